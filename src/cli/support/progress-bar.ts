import type { CliIo } from '../cli-command';

/** Work is done this many events at a time; a progress bar appears only when there is more than one batch. */
export const BATCH_SIZE = 500;

/**
 * Progress of a long batch job on stderr, so stdout keeps only the result. On a terminal, one line
 * redrawn in place; in a log, one line per step, so CI output is not a wall of carriage returns.
 */
export class ProgressBar {
  private done = 0;

  private constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private readonly total: number,
  ) {}

  /** A bar for `total` items, or one that shows nothing when the job fits in one batch (of `batchSize`). */
  static for(io: CliIo, label: string, total: number, batchSize = BATCH_SIZE): ProgressBar {
    return new ProgressBar(io, label, total > batchSize ? total : 0);
  }

  advance(count: number): void {
    this.done += count;
    if (this.total === 0) return;
    if (this.io.stderrIsTty) this.io.err(`\r${this.render()}`);
    else this.io.err(`${this.label} ${this.done}/${this.total}\n`);
  }

  /** Ends the redrawn line. */
  finish(): void {
    if (this.total > 0 && this.io.stderrIsTty) this.io.err('\n');
  }

  private render(): string {
    const width = 30;
    const share = Math.min(1, this.done / this.total);
    const filled = Math.round(share * width);
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${Math.floor(share * 100)}%`;
  }
}
