/**
 * Whether an `@OnEvent` pattern listens to an event key, with EventEmitter2's rules: without
 * wildcards only equal names match; with them, `*` stands for one segment and `**` for any number.
 */
export function patternMatches(pattern: string, key: string, wildcard: boolean, delimiter = '.'): boolean {
  if (pattern === key) return true;
  if (!wildcard) return false;
  return segmentsMatch(pattern.split(delimiter), key.split(delimiter));
}

function segmentsMatch(pattern: readonly string[], key: readonly string[]): boolean {
  if (pattern.length === 0) return key.length === 0;
  const [head, ...rest] = pattern;
  if (head === '**') {
    for (let skip = 0; skip <= key.length; skip++) if (segmentsMatch(rest, key.slice(skip))) return true;
    return false;
  }
  if (key.length === 0) return false;
  return (head === '*' || head === key[0]) && segmentsMatch(rest, key.slice(1));
}
