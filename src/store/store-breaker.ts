import { Logger } from '@nestjs/common';
import { StoreUnavailable } from '../errors/store.errors';

/** Calls in a row that missed the deadline or could not connect before the breaker opens. */
const FAILURES_TO_OPEN = 3;
/** Between two probes that failed at once (a refused connection), so probing never spins. */
const PROBE_PAUSE_MS = 100;

export type BreakerState = 'closed' | 'open';

/**
 * Fails fast while the database is not answering. After a few calls in a row missed the module's
 * deadline or could not connect, it opens: every call is refused at once ({@link StoreUnavailable},
 * which intake answers 503 with Retry-After, and which the worker and the sweep treat as "later")
 * instead of queueing behind a database that has already shown it will not answer. Meanwhile one
 * probe at a time (`SELECT 1`, with a deadline short enough to notice a recovery within a second)
 * checks the database; the first that succeeds closes it.
 *
 * It says once when it opens and once when it closes; whoever counts transitions (metrics) listens.
 */
export class StoreBreaker {
  private readonly logger = new Logger('OmiseWebhooks');
  private failuresInARow = 0;
  private openedAt?: number;
  private probing = false;
  private stopped = false;
  private readonly listeners: Array<(state: BreakerState) => void> = [];

  constructor(
    /** One probe of the database: resolves when it answered. */
    private readonly probe: () => Promise<unknown>,
  ) {}

  get state(): BreakerState {
    return this.openedAt === undefined ? 'closed' : 'open';
  }

  onChange(listener: (state: BreakerState) => void): void {
    this.listeners.push(listener);
  }

  /** Why a call is refused at once now; undefined while closed. */
  refusal(): StoreUnavailable | undefined {
    return this.openedAt === undefined ? undefined : new StoreUnavailable(Date.now() - this.openedAt);
  }

  /** Refuses a call at once while open. */
  check(): void {
    const refusal = this.refusal();
    if (refusal) throw refusal;
  }

  succeeded(): void {
    this.failuresInARow = 0;
  }

  /** A call that missed the deadline or could not reach the database. */
  failed(cause: Error): void {
    this.failuresInARow += 1;
    if (this.failuresInARow < FAILURES_TO_OPEN || this.openedAt !== undefined || this.stopped) return;
    this.openedAt = Date.now();
    this.logger.error(
      `the database is not answering (${FAILURES_TO_OPEN} calls in a row: ${cause.message}): refusing at once until a probe gets an answer`,
    );
    this.tell('open');
    void this.probeUntilClosed();
  }

  /** No more probes (the module is shutting down). */
  stop(): void {
    this.stopped = true;
  }

  private async probeUntilClosed(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      while (this.openedAt !== undefined && !this.stopped) {
        try {
          await this.probe();
          const ms = Date.now() - this.openedAt;
          this.openedAt = undefined;
          this.failuresInARow = 0;
          this.logger.log(`the database answers again after ${ms} ms: taking calls again`);
          this.tell('closed');
        } catch {
          await new Promise((resolve) => setTimeout(resolve, PROBE_PAUSE_MS).unref());
        }
      }
    } finally {
      this.probing = false;
    }
  }

  private tell(state: BreakerState): void {
    for (const listener of this.listeners) listener(state);
  }
}
