const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A duration such as `30d`, `12h`, `15m`, `5s` or `500ms`, in milliseconds; null when the text is not
 * one (or is zero). The CLI's options and the module's `reconcile` option read durations the same way.
 */
export function parseDuration(text: string): number | null {
  const match = /^([0-9]+)(ms|s|m|h|d|w)$/.exec(text);
  if (!match || Number(match[1]) === 0) return null;
  return Number(match[1]) * UNITS[match[2]];
}
