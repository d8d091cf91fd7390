import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readStoredEvent } from '../events/omise-event';
import { WebhooksConfig } from '../webhooks.options';
import { type ClaimedEvent, DispatchStore } from '../store/dispatch-store';
import { EventDispatcher } from './event-dispatcher';
import { HandlerRegistry } from './handler-registry';
import { retryDelayMs } from './retry-schedule';

/**
 * Delivers stored events to their `@OnEvent` handlers, durably: claims rows under a lease, runs the
 * handlers that have not yet succeeded for the event, records each outcome, then marks the event
 * `processed`, `ignored` (nobody listens), `failed` (retry later) or `dead` (out of attempts).
 *
 * Intake nudges it after each commit, so a fresh event starts at once; a periodic sweep picks up the
 * rest: retries that came due, expired leases of crashed workers, rows stored by an instance that
 * died before dispatching.
 */
@Injectable()
export class DispatchWorker implements EventDispatcher, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OmiseWebhooks');
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Promise<void>>();
  private sweepTimer?: NodeJS.Timeout;
  private claiming = false;
  private claimAgain = false;
  private stopped = true;

  constructor(
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly store: DispatchStore,
    private readonly handlers: HandlerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.dispatch.enabled) return;
    this.stopped = false;
    this.sweepTimer = setInterval(() => this.nudge(), this.config.dispatch.sweepIntervalMs);
    this.sweepTimer.unref();
    this.nudge();
  }

  /** Called by intake once an event is committed; the worker reads it back from the table. */
  dispatch(): void {
    this.nudge();
  }

  /** Claims whatever is due, now; coalesces calls that arrive while a claim is under way. */
  nudge(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    void this.claimLoop().finally(() => {
      this.claiming = false;
    });
  }

  /** Resolves when nothing is running or waiting in this instance (for tests and shutdown). */
  async idle(): Promise<void> {
    // Waiting (claimed-ahead) events count only while they can still start: after shutdown they never will.
    while (this.running.size > 0 || this.claiming || (!this.stopped && this.claimedAhead.length > 0)) {
      await Promise.race([...this.running.values(), new Promise((resolve) => setImmediate(resolve))]);
    }
  }

  /**
   * Claims ahead: up to `concurrency` claimed events wait here for a free slot, so a claim fetches a
   * full batch instead of the one or two slots that just came free (claims, not handlers, were the
   * limit). Waiting events hold a lease like running ones and are released the same way at shutdown.
   */
  private claimedAhead: Array<{ row: ClaimedEvent; done: ReadonlySet<string> }> = [];

  private async claimLoop(): Promise<void> {
    do {
      this.claimAgain = false;
      const wanted = 2 * this.config.dispatch.concurrency - this.running.size - this.claimedAhead.length;
      if (wanted <= 0) return; // a finishing event nudges again
      let claimed: ClaimedEvent[];
      let succeeded: Map<string, Set<string>>;
      try {
        claimed = await this.store.claim(this.workerId, wanted, this.config.dispatch.leaseMs);
        succeeded = await this.store.succeededHandlers(claimed.map((row) => row.eventId));
      } catch (error) {
        // Claimed rows, if any, come back when their lease runs out; the sweep tries again.
        this.logger.error(`claiming events failed: ${(error as Error).message}`);
        return;
      }
      // Shutting down: these stay unstarted; shutdown releases every lease of this worker once the
      // claim in flight is over (idle() waits for it).
      if (this.stopped) return;
      this.claimedAhead.push(...claimed.map((row) => ({ row, done: succeeded.get(row.eventId) ?? new Set<string>() })));
      this.startClaimed();
      if (claimed.length === wanted) this.claimAgain = true;
    } while (this.claimAgain && !this.stopped);
  }

  /** Moves claimed events into free slots. */
  private startClaimed(): void {
    while (!this.stopped && this.running.size < this.config.dispatch.concurrency && this.claimedAhead.length > 0) {
      const { row, done } = this.claimedAhead.shift() as { row: ClaimedEvent; done: ReadonlySet<string> };
      const run = this.process(row, done).finally(() => {
        this.running.delete(row.eventId);
        this.startClaimed();
        this.nudge();
      });
      this.running.set(row.eventId, run);
    }
  }

  private async process(row: ClaimedEvent, done: ReadonlySet<string>): Promise<void> {
    try {
      const event = readStoredEvent(row.rawBody);
      const handlers = this.handlers.handlersFor(event.key);
      if (handlers.length === 0) {
        await this.store.finish(row.eventId, this.workerId, { status: 'ignored' });
        return;
      }
      const failures: string[] = [];
      const pending = handlers.filter((handler) => !done.has(handler.name));
      let lastRun: { handler: string; error: string | null } | undefined;
      for (const handler of pending) {
        // The previous handler's outcome is committed before the next one starts, so a crash does
        // not re-run a handler that succeeded; the last one is committed with the event's outcome.
        if (lastRun) await this.store.recordHandlerRun(row.eventId, lastRun.handler, lastRun.error);
        let error: string | null = null;
        try {
          await handler.invoke(event);
        } catch (thrown) {
          error = thrown instanceof Error ? thrown.message : String(thrown);
          failures.push(`${handler.name}: ${error}`);
        }
        lastRun = { handler: handler.name, error };
      }
      if (failures.length === 0) {
        await this.store.finish(row.eventId, this.workerId, { status: 'processed' }, lastRun);
        return;
      }
      const policy = this.config.dispatch.retry;
      const lastError = failures.join('; ').slice(0, 2000);
      const dead = row.attempts >= policy.maxAttempts;
      this.logger.warn(`${event.key} ${event.id}: attempt ${row.attempts} failed (${dead ? 'dead' : 'will retry'}): ${lastError}`);
      await this.store.finish(
        row.eventId,
        this.workerId,
        {
          status: dead ? 'dead' : 'failed',
          nextAttemptAt: dead ? undefined : new Date(Date.now() + retryDelayMs(row.attempts, policy)),
          lastError,
        },
        lastRun,
      );
    } catch (error) {
      // The database failed mid-way: the lease runs out and the event is claimed again.
      this.logger.error(`processing ${row.eventId} stopped: ${(error as Error).message}`);
    }
  }

  /** Stop claiming, let running handlers finish within the timeout, release what is left. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweepTimer);
    // Claimed but not started: not started now either; released below with whatever overruns.
    this.claimedAhead = [];
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.config.dispatch.shutdownTimeoutMs).unref());
    await Promise.race([this.idle(), timeout]);
    const released = await this.store.release(this.workerId);
    if (released > 0) this.logger.warn(`shutdown: released ${released} unfinished event(s) for another instance`);
  }
}
