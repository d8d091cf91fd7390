import type { logging } from '@angular-devkit/core';

/**
 * What nest add did, per file, and what it left to the user: printed at the end so the user reads
 * one summary (the schematics runner then lists the files it wrote, CREATE/UPDATE).
 */
export class Report {
  private readonly changes: Array<{ file: string; what: string }> = [];
  private readonly byHand: Array<{ file: string; why: string; lines: string[] }> = [];
  private readonly notes: string[] = [];

  changed(file: string, what: string): void {
    this.changes.push({ file, what });
  }

  /** A change nest add could not make safely: why, and the exact lines to add. */
  toDo(file: string, why: string, lines: readonly string[]): void {
    this.byHand.push({ file, why, lines: [...lines] });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  get hasChanges(): boolean {
    return this.changes.length > 0;
  }

  print(logger: logging.LoggerApi, heading: string, next: readonly string[]): void {
    logger.info(heading);
    if (this.changes.length === 0) logger.info('  Nothing to change: the module is wired in already.');
    const width = Math.max(0, ...this.changes.map(({ file }) => file.length)) + 2;
    for (const { file, what } of this.changes) logger.info(`  ${file.padEnd(width)}${what}`);
    for (const { file, why, lines } of this.byHand) {
      logger.warn(`  ${file}: ${why}`);
      for (const line of lines) logger.warn(`      ${line}`);
    }
    for (const note of this.notes) logger.info(`  ${note}`);
    if (next.length > 0) {
      logger.info('Next:');
      for (const step of next) logger.info(`  ${step}`);
    }
  }
}
