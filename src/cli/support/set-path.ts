import { UsageError } from '../cli-command';

/** One `--set path=value`. */
export interface Assignment {
  readonly path: readonly string[];
  readonly value: unknown;
}

/**
 * Reads `--set path=value`: a dot path (`data.amount`, `data.metadata.order_id`,
 * `data.refunds.data.0.amount`) and a value parsed as JSON when it is JSON (`5000`, `true`, `null`,
 * `{"a":1}`, `"007"`), else taken as a string (`THB`).
 */
export function parseAssignment(text: string): Assignment {
  const equals = text.indexOf('=');
  const path = equals > 0 ? text.slice(0, equals).split('.') : [];
  if (path.length === 0 || path.some((segment) => segment === '')) {
    throw new UsageError(`--set wants path=value such as data.amount=5000, got "${text}"`);
  }
  // Those names reach Object.prototype, not the event.
  const unsafe = path.find((segment) => segment === '__proto__' || segment === 'constructor' || segment === 'prototype');
  if (unsafe) throw new UsageError(`--set: "${unsafe}" cannot be set`);
  return { path, value: jsonOrString(text.slice(equals + 1)) };
}

/** Whether the path indexes into an array somewhere (a numeric segment). */
export function throughArray(assignment: Assignment): boolean {
  return assignment.path.some((segment) => /^[0-9]+$/.test(segment));
}

/** Sets the value at the path, making missing objects on the way; a numeric segment indexes an array. */
export function setPath(target: Record<string, unknown>, { path, value }: Assignment): void {
  let node: Record<string, unknown> | unknown[] = target;
  for (const [index, segment] of path.slice(0, -1).entries()) {
    const next: unknown = read(node, segment);
    if (next === undefined || next === null) {
      const made = {};
      write(node, segment, made);
      node = made;
    } else if (typeof next === 'object') {
      node = next as Record<string, unknown> | unknown[];
    } else {
      throw new UsageError(`--set ${path.join('.')}: ${path.slice(0, index + 1).join('.')} is a ${typeof next}, not an object`);
    }
  }
  write(node, path[path.length - 1], value);
}

function jsonOrString(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function read(node: Record<string, unknown> | unknown[], segment: string): unknown {
  return Array.isArray(node) ? node[arrayIndex(segment)] : node[segment];
}

function write(node: Record<string, unknown> | unknown[], segment: string, value: unknown): void {
  if (Array.isArray(node)) node[arrayIndex(segment)] = value;
  else node[segment] = value;
}

function arrayIndex(segment: string): number {
  if (!/^[0-9]+$/.test(segment)) throw new UsageError(`--set: "${segment}" indexes an array: use a number`);
  return Number(segment);
}
