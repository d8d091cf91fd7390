import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readStoredEvent } from '../envelope/omise-event';
import { WebhooksConfig } from '../webhooks.options';
import { ClaimedEvent, DispatchQueue } from './dispatch-queue';
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
export class InboxWorker implements EventDispatcher, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OmiseWebhooks');
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Promise<void>>();
  private sweepTimer?: NodeJS.Timeout;
  private claiming = false;
  private claimAgain = false;
  private stopped = true;

  constructor(
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly queue: DispatchQueue,
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

  /** Resolves when nothing is running in this instance (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.claiming) {
      await Promise.race([...this.running.values(), new Promise((resolve) => setImmediate(resolve))]);
    }
  }

  private async claimLoop(): Promise<void> {
    do {
      this.claimAgain = false;
      const free = this.config.dispatch.concurrency - this.running.size;
      if (free <= 0) return; // a finishing event nudges again
      let claimed: ClaimedEvent[];
      let succeeded: Map<string, Set<string>>;
      try {
        claimed = await this.queue.claim(this.workerId, free, this.config.dispatch.leaseMs);
        succeeded = await this.queue.succeededHandlers(claimed.map((row) => row.eventId));
      } catch (error) {
        // Claimed rows, if any, come back when their lease runs out; the sweep tries again.
        this.logger.error(`claiming events failed: ${(error as Error).message}`);
        return;
      }
      for (const row of claimed) {
        const run = this.process(row, succeeded.get(row.eventId) ?? new Set()).finally(() => {
          this.running.delete(row.eventId);
          this.nudge();
        });
        this.running.set(row.eventId, run);
      }
      if (claimed.length === free) this.claimAgain = true;
    } while (this.claimAgain && !this.stopped);
  }

  private async process(row: ClaimedEvent, done: ReadonlySet<string>): Promise<void> {
    try {
      const event = readStoredEvent(row.rawBody);
      const handlers = this.handlers.handlersFor(event.key);
      if (handlers.length === 0) {
        await this.queue.finish(row.eventId, this.workerId, { status: 'ignored' });
        return;
      }
      const failures: string[] = [];
      const pending = handlers.filter((handler) => !done.has(handler.name));
      let lastRun: { handler: string; error: string | null } | undefined;
      for (const handler of pending) {
        // The previous handler's outcome is committed before the next one starts, so a crash does
        // not re-run a handler that succeeded; the last one is committed with the event's outcome.
        if (lastRun) await this.queue.recordHandlerRun(row.eventId, lastRun.handler, lastRun.error);
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
        await this.queue.finish(row.eventId, this.workerId, { status: 'processed' }, lastRun);
        return;
      }
      const policy = this.config.dispatch.retry;
      const lastError = failures.join('; ').slice(0, 2000);
      const dead = row.attempts >= policy.maxAttempts;
      this.logger.warn(`${event.key} ${event.id}: attempt ${row.attempts} failed (${dead ? 'dead' : 'will retry'}): ${lastError}`);
      await this.queue.finish(
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
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), this.config.dispatch.shutdownTimeoutMs).unref());
    const outcome = await Promise.race([this.idle().then(() => 'idle' as const), timeout]);
    if (outcome === 'timeout') {
      const released = await this.queue.release(this.workerId);
      this.logger.warn(`shutdown: released ${released} unfinished event(s) for another instance`);
    }
  }
}
