import { Logger } from '@nestjs/common';
import { StoreUnavailable } from '../errors/store.errors';
import type { Masker } from '../masking/masker';
import type { ClaimedEvent, DispatchStore } from '../store/dispatch-store';
import { refKey } from '../store/event-ref';
import { escaped } from '../common/log-text';
import type { WebhooksTelemetry } from '../telemetry/telemetry';
import type { WebhooksConfig } from '../webhooks.config';

/** A claimed event, with the handlers that already succeeded for it (they are not run again). */
export interface Claim {
  row: ClaimedEvent;
  done: ReadonlySet<string>;
}

/** What the claimer needs of the rest of the worker. */
export interface ClaimerHooks {
  /** Handles one claimed event to the end of its attempt (handlers run, outcome handed to the writer). */
  handle(claim: Claim): Promise<void>;
  /** Whether outcomes are being written: on MySQL their locks can hide due rows from a claim. */
  outcomesWriting(): boolean;
}

/**
 * How long the claimer gathers intake's wake-ups before it claims: under load one claim then fetches
 * the events of several deliveries instead of one claim (and its round trips) per delivery.
 */
const INTAKE_GATHER_MS = 10;

/**
 * Claiming: which stored events this worker takes, and when. It owns the slots (`concurrency`
 * events run at once), the events claimed ahead of a free slot, the refills and the sweep.
 *
 * Woken two ways: `wake('new')` after intake committed new events (gathered for a few ms into one
 * claim of `pending` rows), and `wake('due')` from the sweep and replays (retries that came due and
 * expired leases of crashed workers too). Wake-ups that arrive while a claim is under way fold into
 * the next one.
 */
export class EventClaimer {
  private readonly logger = new Logger('OmiseWebhooks');
  private readonly running = new Map<string, Promise<void>>();
  /**
   * Claims ahead: up to `concurrency` claimed events wait here for a free slot, so a claim fetches a
   * full batch instead of the one or two slots that just came free (claims, not handlers, were the
   * limit). Waiting events hold a lease like running ones and are released the same way at shutdown.
   */
  private claimedAhead: Claim[] = [];
  private claiming = false;
  private claimAgain = false;
  /**
   * What the last claim says of the table: `full` (it got all it asked for: more are waiting), `some`
   * (more may be: a partial claim can pass rows by, as MySQL's SKIP LOCKED skips rows whose index
   * entries another transaction's update has locked), `none` (nothing was due, and nothing was being
   * written that could have hidden a row).
   */
  private moreDue: 'full' | 'some' | 'none' = 'none';
  /** Whether the next claim looks at retries and expired leases too, not only new events. */
  private claimDue = false;
  private gatherTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private stopped = true;
  private lastSweepAt?: number;

  constructor(
    private readonly workerId: string,
    private readonly config: WebhooksConfig['dispatch'],
    private readonly mask: Masker,
    private readonly store: DispatchStore,
    private readonly telemetry: WebhooksTelemetry,
    private readonly hooks: ClaimerHooks,
  ) {}

  /**
   * Starts the sweep and claims what is due. `holdsProcess`: whether the sweep keeps the process
   * running (a worker process without an HTTP server has nothing else that does).
   */
  start(holdsProcess: boolean): void {
    this.stopped = false;
    this.lastSweepAt = Date.now();
    this.sweepTimer = setInterval(() => {
      this.lastSweepAt = Date.now();
      this.wake('due');
    }, this.config.sweepIntervalMs);
    if (!holdsProcess) this.sweepTimer.unref();
    this.wake('due');
  }

  /** Stops claiming; events claimed ahead are dropped (their leases are released by the worker). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    this.claimedAhead = [];
  }

  /** How long ago the sweep last ran; undefined when stopped (for liveness). */
  msSinceLastSweep(): number | undefined {
    return this.stopped || this.lastSweepAt === undefined ? undefined : Date.now() - this.lastSweepAt;
  }

  /** `new`: intake stored events (gathered for a few ms); `due`: look at everything due, now. */
  wake(scope: 'new' | 'due'): void {
    if (this.stopped) return;
    if (scope === 'new') {
      this.gatherTimer ??= setTimeout(() => {
        this.gatherTimer = undefined;
        this.claimNow();
      }, INTAKE_GATHER_MS);
      return;
    }
    this.claimDue = true;
    this.claimNow();
  }

  /** Outcomes were written: a claim that came back short while they were may have missed rows. */
  outcomesWritten(): void {
    if (this.moreDue === 'some') this.wake('new');
  }

  /** Whether anything is claimed, claiming or about to be (for idle()). */
  get busy(): boolean {
    return this.running.size > 0 || this.claiming || this.gatherTimer !== undefined || (!this.stopped && this.claimedAhead.length > 0);
  }

  /** Resolves when one running event finishes (or on the next turn, when none runs). */
  progress(): Promise<unknown> {
    return Promise.race([...this.running.values(), new Promise((resolve) => setImmediate(resolve))]);
  }

  private claimNow(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    void this.claimLoop().finally(() => {
      this.claiming = false;
      // A wake-up that came after the loop's last look (a finishing event's refill, say) is not lost.
      if (this.claimAgain) this.claimNow();
    });
  }

  private async claimLoop(): Promise<void> {
    do {
      this.claimAgain = false;
      const wanted = 2 * this.config.concurrency - this.running.size - this.claimedAhead.length;
      if (wanted <= 0) {
        // No room now: what this wake-up announced is claimed as soon as events finish.
        this.moreDue = 'full';
        return;
      }
      const newOnly = !this.claimDue;
      this.claimDue = false;
      const writing = this.hooks.outcomesWriting();
      let claims: Claim[];
      try {
        const claimed = await this.store.claim(this.workerId, wanted, this.config.leaseMs, { newOnly });
        this.telemetry.claimed(claimed.length);
        const succeeded = await this.store.succeededHandlers(claimed);
        claims = claimed.map((row) => ({ row, done: succeeded.get(refKey(row)) ?? new Set<string>() }));
      } catch (error) {
        // Claimed rows, if any, come back when their lease runs out; the sweep tries again. While the
        // store breaker is open every claim is refused at once, and the breaker has said why.
        if (!(error instanceof StoreUnavailable)) this.logger.error(`claiming events failed: ${this.mask.line((error as Error).message)}`);
        return;
      }
      // Shutting down: these stay unstarted; the worker releases every lease of its own once the
      // claim in flight is over (idle() waits for it).
      if (this.stopped) return;
      this.claimedAhead.push(...claims);
      this.fillSlots();
      // Even an empty claim is not sure while outcomes were being written: on MySQL their updates'
      // locks can make SKIP LOCKED pass by due rows. The write's end looks again.
      this.moreDue = claims.length === wanted ? 'full' : claims.length > 0 || writing ? 'some' : 'none';
      if (this.moreDue === 'full') this.claimAgain = true;
    } while (this.claimAgain && !this.stopped);
  }

  /** Moves claimed events into free slots. */
  private fillSlots(): void {
    while (!this.stopped && this.running.size < this.config.concurrency && this.claimedAhead.length > 0) {
      const claim = this.claimedAhead.shift() as Claim;
      // Started from the check phase (setImmediate): requests already waiting in the poll phase are
      // read first, so in one process intake answers before dispatch takes the CPU.
      const handled = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.hooks.handle(claim))
        // The runner settles handlers' and the database's errors itself; anything else is a fault of
        // this code, and must not become an unhandled rejection that ends the host's process. The
        // event's lease runs out and it is claimed again (a bounded number of times, see HandlerRunner).
        .catch((error: unknown) => this.logger.error(`handling ${escaped(claim.row.eventId)} failed: ${this.mask.line((error as Error).message)}`))
        .finally(() => {
          this.running.delete(refKey(claim.row));
          this.fillSlots();
          this.refill();
        });
      this.running.set(refKey(claim.row), handled);
    }
  }

  /**
   * Refills in bulk once half the claimed-ahead events have started, not one claim per event: at once
   * behind a backlog, gathered with intake's wake-ups when the table may hold a few, not at all when it
   * was empty (new events come with intake's wake-up, the rest with the sweep). A claim per finished
   * event was most of the queries at a few hundred events/s.
   */
  private refill(): void {
    if (this.claimedAhead.length >= this.config.concurrency / 2) return;
    if (this.moreDue === 'full') this.claimNow();
    else if (this.moreDue === 'some') this.wake('new');
  }
}
