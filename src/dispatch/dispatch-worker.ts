import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type OmiseEvent, readStoredEvent } from '../events/omise-event';
import { escaped } from '../intake/refusals';
import { type ClaimedEvent, DispatchStore, type EventOutcome } from '../store/dispatch-store';
import { WebhookTelemetry } from '../telemetry/telemetry';
import { WebhooksConfig } from '../webhooks.options';
import type { EventDispatcher } from './event-dispatcher';
import { type EventHandler, HandlerRegistry } from './handler-registry';
import { retryDelayMs } from './retry-schedule';

/** A claimed event waiting for a free slot, with the handlers that already succeeded for it. */
interface Waiting {
  row: ClaimedEvent;
  done: ReadonlySet<string>;
}

/** Outcomes written in one statement at most; the rest wait for the next write. */
const MAX_OUTCOMES_PER_WRITE = 200;
/** Outcome writes in flight at once: one being committed while the next batch gathers. */
const MAX_WRITES_IN_FLIGHT = 2;
/**
 * How long outcomes gather before they are written: at a few hundred events a second, events finish
 * one at a time, and without a wait each would be a statement of its own. An outcome only records
 * what already happened (the handlers' own writes are committed), so the wait delays no one.
 */
const OUTCOME_GATHER_MS = 10;
/**
 * How long the worker gathers intake's nudges before it claims: under load one claim then fetches the
 * events of several deliveries instead of one claim (and its round trips) per delivery.
 */
const INTAKE_GATHER_MS = 10;

/**
 * Delivers stored events to their `@OnEvent` handlers, durably: claims rows under a lease, runs the
 * handlers that have not yet succeeded for the event, then ends the event `processed`, `ignored`
 * (nobody listens), `failed` (retry later) or `dead` (out of attempts).
 *
 * What must be durable before the next step is written at once: between two handlers of one event
 * the first one's outcome, so a crash never re-runs a handler that succeeded. The rest is batched:
 * the outcomes of the events that finished meanwhile, with their last handler runs, go to the
 * database together (one statement on PostgreSQL), as intake's group commit does for deliveries.
 *
 * Intake nudges it after each commit, so a fresh event starts at once; a periodic sweep picks up the
 * rest: retries that came due, expired leases of crashed workers, rows stored by an instance that
 * died before dispatching. Every database call has the module's deadline, and a handler that does not
 * finish within the lease is given up (the event is retried), so a database that stopped answering
 * never stops the worker for good.
 */
@Injectable()
export class DispatchWorker implements EventDispatcher, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OmiseWebhooks');
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Promise<void>>();
  /**
   * Claims ahead: up to `concurrency` claimed events wait here for a free slot, so a claim fetches a
   * full batch instead of the one or two slots that just came free (claims, not handlers, were the
   * limit). Waiting events hold a lease like running ones and are released the same way at shutdown.
   */
  private claimedAhead: Waiting[] = [];
  /** Events whose handlers are done, waiting for their outcome to be written. */
  private outcomes: EventOutcome[] = [];
  private readonly writes = new Set<Promise<void>>();
  private writeScheduled = false;
  private sweepTimer?: NodeJS.Timeout;
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
  private claimAll = false;
  private intakeTimer?: NodeJS.Timeout;
  private stopped = true;
  private lastSweepAt?: number;

  constructor(
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly store: DispatchStore,
    private readonly handlers: HandlerRegistry,
    private readonly telemetry: WebhookTelemetry,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.dispatch.enabled) return;
    this.stopped = false;
    this.lastSweepAt = Date.now();
    this.sweepTimer = setInterval(() => {
      this.lastSweepAt = Date.now();
      this.nudge();
    }, this.config.dispatch.sweepIntervalMs);
    // Next to an HTTP server the sweep must not hold the process open (the server does, and a host
    // that never closes the app could not exit). A process without one (an application context run
    // as a dispatch worker) has nothing else that lives: there the sweep keeps it running until the
    // shutdown clears the timer, instead of the process exiting right after boot.
    if (this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined) this.sweepTimer.unref();
    this.nudge();
  }

  /** How long ago the sweep last ran; undefined when the worker is not running (for liveness). */
  msSinceLastSweep(): number | undefined {
    return this.stopped || this.lastSweepAt === undefined ? undefined : Date.now() - this.lastSweepAt;
  }

  /** Called by intake once an event is committed; the worker reads it back from the table, soon. */
  dispatch(): void {
    this.claimSoon();
  }

  /** A claim of new events in INTAKE_GATHER_MS, shared by every call until then. */
  private claimSoon(): void {
    if (this.stopped || this.intakeTimer) return;
    this.intakeTimer = setTimeout(() => {
      this.intakeTimer = undefined;
      this.nudge('new');
    }, INTAKE_GATHER_MS);
  }

  /**
   * Claims what is due, now: `all` (the sweep, a replay) looks at retries and expired leases too,
   * `new` only at the events intake stored. Coalesces calls that arrive while a claim is under way.
   */
  nudge(which: 'all' | 'new' = 'all'): void {
    if (this.stopped) return;
    if (which === 'all') this.claimAll = true;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    void this.claimLoop().finally(() => {
      this.claiming = false;
      // A nudge that came after the loop's last look (a finishing event's refill, say) is not lost.
      if (this.claimAgain) this.nudge('new');
    });
  }

  /** Resolves when nothing is running, waiting or unwritten in this instance (for tests and shutdown). */
  async idle(): Promise<void> {
    // Waiting (claimed-ahead) events count only while they can still start: after shutdown they never will.
    while (
      this.running.size > 0 ||
      this.claiming ||
      this.intakeTimer !== undefined ||
      (!this.stopped && this.claimedAhead.length > 0) ||
      this.outcomes.length > 0 ||
      this.writes.size > 0
    ) {
      await Promise.race([...this.running.values(), ...this.writes, new Promise((resolve) => setImmediate(resolve))]);
    }
  }

  private async claimLoop(): Promise<void> {
    do {
      this.claimAgain = false;
      const wanted = 2 * this.config.dispatch.concurrency - this.running.size - this.claimedAhead.length;
      if (wanted <= 0) {
        // No room now: what this nudge announced is claimed as soon as events finish.
        this.moreDue = 'full';
        return;
      }
      let claimed: ClaimedEvent[];
      let succeeded: Map<string, Set<string>>;
      const newOnly = !this.claimAll;
      this.claimAll = false;
      const writing = this.writes.size > 0;
      try {
        claimed = await this.store.claim(this.workerId, wanted, this.config.dispatch.leaseMs, { newOnly });
        this.telemetry.claimed(claimed.length);
        succeeded = await this.store.succeededHandlers(claimed.map((row) => row.eventId));
      } catch (error) {
        // Claimed rows, if any, come back when their lease runs out; the sweep tries again.
        this.logger.error(`claiming events failed: ${escaped((error as Error).message)}`);
        return;
      }
      // Shutting down: these stay unstarted; shutdown releases every lease of this worker once the
      // claim in flight is over (idle() waits for it).
      if (this.stopped) return;
      this.claimedAhead.push(...claimed.map((row) => ({ row, done: succeeded.get(row.eventId) ?? new Set<string>() })));
      this.startClaimed();
      // Even an empty claim is not sure while outcomes were being written: on MySQL their updates'
      // locks can make SKIP LOCKED pass by due rows. The write's end looks again.
      this.moreDue = claimed.length === wanted ? 'full' : claimed.length > 0 || writing ? 'some' : 'none';
      if (this.moreDue === 'full') this.claimAgain = true;
    } while (this.claimAgain && !this.stopped);
  }

  /** Moves claimed events into free slots. */
  private startClaimed(): void {
    while (!this.stopped && this.running.size < this.config.dispatch.concurrency && this.claimedAhead.length > 0) {
      const { row, done } = this.claimedAhead.shift() as Waiting;
      // Started from the check phase (setImmediate): requests already waiting in the poll phase are
      // read first, so in one process intake answers before dispatch takes the CPU.
      const run = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.process(row, done))
        .then((outcome) => outcome && this.completed(outcome))
        .finally(() => {
          this.running.delete(row.eventId);
          this.startClaimed();
          // Refill in bulk once half the claimed-ahead events have started, not one claim per event:
          // at once behind a backlog, gathered with intake's nudges when the table may hold a few,
          // not at all when it was empty (new events come with intake's nudge, the rest with the
          // sweep). A claim per finished event was most of the queries at a few hundred events/s.
          if (this.claimedAhead.length < this.config.dispatch.concurrency / 2) {
            if (this.moreDue === 'full') this.nudge('new');
            else if (this.moreDue === 'some') this.claimSoon();
          }
        });
      this.running.set(row.eventId, run);
    }
  }

  /** Runs the event's pending handlers; the outcome to write, or nothing when the database failed mid-way. */
  private async process(row: ClaimedEvent, done: ReadonlySet<string>): Promise<EventOutcome | undefined> {
    let event: OmiseEvent;
    try {
      event = readStoredEvent(row.rawBody);
    } catch (error) {
      // Validated at intake: a body that no longer parses was changed in the table by hand.
      this.logger.error(`${escaped(row.eventId)}: the stored body is not JSON any more (${escaped((error as Error).message)}); left for a person`);
      return { eventId: row.eventId, status: 'dead', lastError: 'the stored body is not JSON' };
    }
    const outcome = await this.telemetry.dispatching({ ...row, key: event.key }, () => this.run(row, event, done));
    if (outcome) this.telemetry.finished(outcome, event.key, row.attempts);
    return outcome;
  }

  private async run(row: ClaimedEvent, event: OmiseEvent, done: ReadonlySet<string>): Promise<EventOutcome | undefined> {
    try {
      const handlers = this.handlers.handlersFor(event.key);
      if (handlers.length === 0) return { eventId: row.eventId, status: 'ignored', lastError: null };
      const failures: string[] = [];
      let lastRun: EventOutcome['lastRun'];
      for (const handler of handlers.filter((candidate) => !done.has(candidate.name))) {
        // The previous handler's outcome is committed before the next one starts, so a crash does
        // not re-run a handler that succeeded; the last one is written with the event's outcome.
        if (lastRun) await this.store.recordRun(lastRun);
        const error = await this.telemetry.handling(handler.name, event, row.attempts, () => this.invoke(handler, event));
        if (error !== null) failures.push(`${handler.name}: ${error}`);
        lastRun = { eventId: row.eventId, handler: handler.name, error };
      }
      if (failures.length === 0) return { eventId: row.eventId, status: 'processed', lastError: null, lastRun };
      const policy = this.config.dispatch.retry;
      const lastError = failures.join('; ').slice(0, 2000);
      const dead = row.attempts >= policy.maxAttempts;
      const line = `${escaped(event.key)} ${escaped(event.id)}: attempt ${row.attempts} failed (${dead ? 'dead: replay it once the cause is fixed' : 'will retry'}): ${escaped(lastError)}`;
      // A dead event needs a person; ERROR is what alerting watches.
      if (dead) this.logger.error(line);
      else this.logger.warn(line);
      return {
        eventId: row.eventId,
        status: dead ? 'dead' : 'failed',
        nextAttemptAt: dead ? undefined : new Date(Date.now() + retryDelayMs(row.attempts, policy)),
        lastError,
        lastRun,
      };
    } catch (error) {
      // The database failed mid-way: the lease runs out and the event is claimed again.
      this.logger.error(`processing ${escaped(row.eventId)} stopped: ${escaped((error as Error).message)}`);
      return undefined;
    }
  }

  /**
   * Calls one handler; its error message, or null. A handler still running when the lease runs out
   * (stuck on a database that stopped answering, say) is given up: another worker may claim the event
   * by then, and this one's slot is needed.
   */
  private async invoke(handler: EventHandler, event: OmiseEvent): Promise<string | null> {
    const { leaseMs } = this.config.dispatch;
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`did not finish within the lease (dispatch.leaseMs ${leaseMs} ms)`), leaseMs);
    });
    try {
      return await Promise.race([
        handler.invoke(event).then(
          () => null,
          (thrown: unknown) => (thrown instanceof Error ? thrown.message : String(thrown)),
        ),
        overrun,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Queues an outcome for the next write. */
  private completed(outcome: EventOutcome): void {
    this.outcomes.push(outcome);
    this.scheduleWrite();
  }

  private scheduleWrite(): void {
    if (this.writeScheduled || this.writes.size >= MAX_WRITES_IN_FLIGHT || this.outcomes.length === 0) return;
    this.writeScheduled = true;
    // A full batch goes at once; a smaller one waits for the outcomes of the next few milliseconds.
    const gather = this.outcomes.length >= MAX_OUTCOMES_PER_WRITE || this.stopped ? 0 : OUTCOME_GATHER_MS;
    setTimeout(() => {
      this.writeScheduled = false;
      const batch = this.outcomes.splice(0, MAX_OUTCOMES_PER_WRITE);
      if (batch.length === 0) return;
      const write = this.write(batch).finally(() => {
        this.writes.delete(write);
        this.scheduleWrite();
        if (this.moreDue === 'some') this.claimSoon();
      });
      this.writes.add(write);
      this.scheduleWrite();
    }, gather);
  }

  private async write(batch: EventOutcome[]): Promise<void> {
    try {
      const written = await this.store.finish(this.workerId, batch);
      const lost = batch.length - written.size;
      this.telemetry.lostLeases(lost);
      if (lost > 0) this.logger.warn(`${lost} event(s) finished after their lease ran out; the worker that claimed them since decides`);
    } catch (error) {
      // Nothing is lost: the events stay leased to this worker until the lease runs out, then are
      // claimed again, and only the handlers without a recorded success run again.
      this.logger.error(`writing the outcomes of ${batch.length} event(s) failed: ${escaped((error as Error).message)}`);
    }
  }

  /** Stop claiming, let running handlers finish within the timeout, write their outcomes, release what is left. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.intakeTimer);
    this.intakeTimer = undefined;
    // Claimed but not started: not started now either; released below with whatever overruns.
    this.claimedAhead = [];
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.config.dispatch.shutdownTimeoutMs).unref());
    await Promise.race([this.idle(), timeout]);
    try {
      const released = await this.store.release(this.workerId);
      if (released > 0) this.logger.warn(`shutdown: released ${released} unfinished event(s) for another instance`);
    } catch (error) {
      this.logger.error(`shutdown: releasing leases failed (${escaped((error as Error).message)}); they run out after dispatch.leaseMs`);
    }
  }
}
