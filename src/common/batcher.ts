export interface BatcherOptions {
  /** Items handed to one flush at most; the rest wait for the next. */
  maxBatch: number;
  /** Flushes in flight at once. Items that arrive meanwhile gather for the next one. */
  maxInFlight: number;
  /**
   * How long items gather before a flush: 0 is the next turn of the event loop (everything added in
   * this turn goes together, and a lone item waits for nothing). A full batch goes at once.
   */
  gatherMs: number;
}

/**
 * Group commit: items that arrive while earlier batches are being written, or within `gatherMs`,
 * are written together, one statement and one commit for many. Intake's INSERTs and the worker's
 * outcome writes both go through one.
 *
 * `flush` owns its items: it settles them (answers their callers, logs a failure) and must not
 * reject. The batcher only decides when and with what it is called.
 */
export class Batcher<T> {
  private queue: T[] = [];
  private readonly flushing = new Set<Promise<void>>();
  private itemsFlushing = 0;
  private scheduled = false;
  private gatherMs: number;

  constructor(
    private readonly options: BatcherOptions,
    private readonly flush: (batch: T[]) => Promise<void>,
  ) {
    this.gatherMs = options.gatherMs;
  }

  add(item: T): void {
    this.queue.push(item);
    this.schedule();
  }

  /** Items waiting or being written. */
  get size(): number {
    return this.queue.length + this.itemsFlushing;
  }

  /** From now on, writes without gathering (at shutdown: nothing new is coming to share a batch with). */
  hurry(): void {
    this.gatherMs = 0;
    this.schedule();
  }

  /** Resolves once nothing waits and nothing is being written. */
  async drained(): Promise<void> {
    while (this.size > 0) await Promise.race([...this.flushing, nextTurn()]);
  }

  private schedule(): void {
    if (this.scheduled || this.flushing.size >= this.options.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      const batch = this.queue.splice(0, this.options.maxBatch);
      if (batch.length === 0) return;
      this.itemsFlushing += batch.length;
      const flushing: Promise<void> = this.flush(batch)
        .catch(() => undefined)
        .finally(() => {
          this.flushing.delete(flushing);
          this.itemsFlushing -= batch.length;
          this.schedule();
        });
      this.flushing.add(flushing);
      // The next batch gathers while this one is written.
      this.schedule();
    };
    if (this.gatherMs === 0 || this.queue.length >= this.options.maxBatch) setImmediate(run);
    else setTimeout(run, this.gatherMs);
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
