import { Logger } from '@nestjs/common';
import { Batcher } from '../common/batcher';
import { StoreUnavailable } from '../errors/store.errors';
import type { Masker } from '../masking/masker';
import type { AttemptOutcome, DispatchStore } from '../store/dispatch-store';
import type { WebhooksTelemetry } from '../telemetry/telemetry';

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

/** Told after each write: the outcomes it tried to write, and the ids it did write. */
export type OutcomesWritten = (batch: readonly AttemptOutcome[], written: ReadonlySet<string>) => void;

/**
 * Writing outcomes: the events whose attempt ended, with their last handler runs, go to the database
 * together (one statement on PostgreSQL), as intake's deliveries do. An event whose lease ran out
 * meanwhile (another worker claimed it) is left alone: that worker's outcome stands.
 */
export class OutcomeWriter {
  private readonly logger = new Logger('OmiseWebhooks');
  private readonly batcher = new Batcher<AttemptOutcome>(
    { maxBatch: MAX_OUTCOMES_PER_WRITE, maxInFlight: MAX_WRITES_IN_FLIGHT, gatherMs: OUTCOME_GATHER_MS },
    (batch) => this.write(batch),
  );
  private readonly listeners: OutcomesWritten[] = [];

  constructor(
    private readonly workerId: string,
    private readonly mask: Masker,
    private readonly store: DispatchStore,
    private readonly telemetry: WebhooksTelemetry,
  ) {}

  add(outcome: AttemptOutcome): void {
    this.batcher.add(outcome);
  }

  /** `listener` is told after every write (written or not: a failed write leaves the leases to run out). */
  onWritten(listener: OutcomesWritten): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** Whether outcomes wait or are being written. */
  get busy(): boolean {
    return this.batcher.size > 0;
  }

  /** Writes what waits at once, without gathering (shutdown). */
  hurry(): void {
    this.batcher.hurry();
  }

  drained(): Promise<void> {
    return this.batcher.drained();
  }

  private async write(batch: AttemptOutcome[]): Promise<void> {
    let written = new Set<string>();
    try {
      written = await this.store.finish(this.workerId, batch);
      const lost = batch.length - written.size;
      this.telemetry.lostLeases(lost);
      if (lost > 0) this.logger.warn(`${lost} event(s) finished after their lease ran out; the worker that claimed them since decides`);
    } catch (error) {
      // Nothing is lost: the events stay leased to this worker until the lease runs out, then are
      // claimed again, and only the handlers without a recorded success run again.
      if (!(error instanceof StoreUnavailable)) this.logger.error(`writing the outcomes of ${batch.length} event(s) failed: ${this.mask.line((error as Error).message)}`);
    }
    for (const listener of [...this.listeners]) listener(batch, written);
  }
}
