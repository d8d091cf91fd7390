/**
 * `value` as Omise writes a webhook body: pretty-printed with a 2-space indent and a trailing newline,
 * an empty array as `[` blank line `]` and an empty object as `{` newline `}` (the output of the
 * JSON generator behind Omise's API, as in the recorded delivery payloads). Everything else follows
 * `JSON.stringify`: `toJSON` is honoured, `undefined` and functions are dropped from objects and
 * written `null` in arrays.
 *
 * Tests that post these bytes prove the receiver verifies what it got, not a compact re-serialization:
 * the same event through `JSON.stringify` has other bytes and would not match the signature.
 */
export function serializeOmiseEvent(value: unknown): string {
  return `${write(value, '') ?? 'null'}\n`;
}

const INDENT = '  ';

/** The JSON text of `value` at `indent`, or undefined where JSON.stringify would leave it out. */
function write(value: unknown, indent: string, key = ''): string | undefined {
  const json = toJsonValue(value, key);
  if (typeof json !== 'object' || json === null) return JSON.stringify(json);
  const inner = indent + INDENT;
  if (Array.isArray(json)) {
    if (json.length === 0) return `[\n\n${indent}]`;
    const items = json.map((item: unknown, index) => inner + (write(item, inner, String(index)) ?? 'null'));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const fields: string[] = [];
  for (const [field, fieldValue] of Object.entries(json)) {
    const text = write(fieldValue, inner, field);
    if (text !== undefined) fields.push(`${inner}${JSON.stringify(field)}: ${text}`);
  }
  if (fields.length === 0) return `{\n${indent}}`;
  return `{\n${fields.join(',\n')}\n${indent}}`;
}

/** What JSON.stringify would write for `value`: after `toJSON` (a Date becomes its ISO string). */
function toJsonValue(value: unknown, key: string): unknown {
  if (typeof value === 'object' && value !== null && 'toJSON' in value && typeof value.toJSON === 'function') {
    return (value.toJSON as (key: string) => unknown)(key);
  }
  return value;
}
