/**
 * At most one log line per kind of thing per interval, with a count of those not logged since, so a
 * flood (forged requests, a staging app sending test events to production) cannot flood the log.
 */
export class RateLimitedLog {
  /** Per kind: when it was last logged and how many went unlogged since. */
  private readonly last = new Map<string, { at: number; unlogged: number }>();

  constructor(private readonly intervalMs: number) {}

  /** `write` is called with ` (+N more since the last line)` or '' when this kind may be logged now. */
  line(kind: string, write: (more: string) => void): void {
    const now = Date.now();
    const last = this.last.get(kind);
    if (last && now - last.at < this.intervalMs) {
      last.unlogged += 1;
      return;
    }
    this.last.set(kind, { at: now, unlogged: 0 });
    write(last?.unlogged ? ` (+${last.unlogged} more since the last line)` : '');
  }
}
