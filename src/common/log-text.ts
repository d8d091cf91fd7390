/**
 * Text safe for one log line: control characters (a NUL in a forged id, a newline that would start a
 * fake line) as `\uXXXX` escapes, and at most 500 characters. Everything the module logs that came
 * from outside (ids, keys, a driver's message quoting a value) goes through it.
 */
export function escaped(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).slice(0, 500);
}
