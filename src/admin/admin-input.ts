import { BadRequestException } from '@nestjs/common';
import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from '../store/webhook-event.entity';
import type { EventCursor, EventFilter, ReplayFilter } from '../store/stored-event.types';
import { MAX_LIST_LIMIT } from './admin.types';

/*
 * The admin routes' input, checked by hand into the service's types: every wrong value is a 400 that
 * says what is expected (never a 500, never a query run with it). Values are bound as SQL parameters
 * anyway; the shapes below are what Omise ids, keys and times look like, so anything else is a mistake.
 */

/** Omise ids (`evnt_test_…`, `chrg_…`): letters, digits, `_`, `.`, `-`. */
const ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** An event key or a pattern with `*` (`charge.*`, `linked_account.create`). */
const KEY_PATTERN = /^[a-z_*]+(\.[a-z_*]+)*$/;
/** ISO-8601: a date, or a date and time with an optional zone (none: UTC, as the page's fields say). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

/** A query string or form body as the HTTP layer parsed it. */
export type Fields = Record<string, unknown>;

function bad(message: string): never {
  throw new BadRequestException(message);
}

/** The fields given, as single strings; an empty field (a form's blank input) counts as absent. */
function strings(fields: unknown, allowed: readonly string[]): Record<string, string> {
  if (fields !== undefined && (typeof fields !== 'object' || fields === null || Array.isArray(fields))) bad('the parameters must be name=value fields');
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries((fields ?? {}) as Fields)) {
    if (!allowed.includes(name)) bad(`unknown parameter "${name.slice(0, 40)}" (expected: ${allowed.join(', ')})`);
    if (typeof value !== 'string') bad(`${name} must be given once, as text`);
    if (value !== '') result[name] = value;
  }
  return result;
}

export function eventId(value: string, name = 'event id'): string {
  return ID.test(value) ? value : bad(`${name} must be an Omise id: 1 to 64 letters, digits, _ . or -`);
}

function status(value: string): WebhookEventStatus {
  return (WEBHOOK_EVENT_STATUSES as readonly string[]).includes(value)
    ? (value as WebhookEventStatus)
    : bad(`status must be one of ${WEBHOOK_EVENT_STATUSES.join(', ')}`);
}

function key(value: string): string {
  return value.length <= 100 && KEY_PATTERN.test(value) ? value : bad('key must be an event key or a pattern such as charge.*');
}

function time(name: string, value: string): Date {
  if (!ISO_TIME.test(value)) bad(`${name} must be an ISO-8601 time such as 2026-01-31 or 2026-01-31T12:00:00Z`);
  const zoned = value.includes('T') && /(Z|[+-]\d{2}:\d{2})$/.test(value);
  const date = new Date(zoned ? value : value.includes('T') ? `${value}Z` : `${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? bad(`${name} is not a real time: ${value}`) : date;
}

function limit(value: string): number {
  const n = /^[0-9]{1,7}$/.test(value) ? Number(value) : NaN;
  return n >= 1 && n <= MAX_LIST_LIMIT ? n : bad(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
}

/** The filter fields the list, the dead letters and their replay share. */
function filter(given: Record<string, string>): EventFilter {
  return {
    status: given.status === undefined ? undefined : status(given.status),
    key: given.key === undefined ? undefined : key(given.key),
    since: given.since === undefined ? undefined : time('since', given.since),
    until: given.until === undefined ? undefined : time('until', given.until),
    q: given.q === undefined ? undefined : eventId(given.q, 'q (an event id or object id)'),
  };
}

export const FILTER_FIELDS = ['status', 'key', 'since', 'until', 'q'] as const;
/** The dead letters' filter: the status is theirs. */
export const DEAD_LETTER_FIELDS = ['key', 'since', 'until', 'q'] as const;

export interface ListInput {
  filter: EventFilter;
  before?: EventCursor;
  limit?: number;
  /** The route's other fields (a notice after a replay), as given. */
  extra: Record<string, string>;
}

/** A list query: the filter fields allowed, `before` (a cursor from the previous page) and `limit`. */
export function listInput(query: Fields | undefined, fields: readonly string[], extra: readonly string[] = []): ListInput {
  const given = strings(query, [...fields, 'before', 'limit', ...extra]);
  return {
    filter: filter(given),
    before: given.before === undefined ? undefined : decodeCursor(given.before),
    limit: given.limit === undefined ? undefined : limit(given.limit),
    extra: Object.fromEntries(extra.filter((name) => given[name] !== undefined).map((name) => [name, given[name]])),
  };
}

/** A replay form (or its confirmation page's query): the filter fields allowed and `force` (`1` or absent). */
export function replayForm(fields: unknown, allowed: readonly string[]): { filter: EventFilter; force: boolean } {
  const given = strings(fields, [...allowed, 'force']);
  const { force, ...rest } = given;
  if (force !== undefined && force !== '1') bad('force must be 1 or absent');
  return { filter: filter(rest), force: force === '1' };
}

/** The JSON API's replay body: exactly one of `eventId`, `status: "dead"`, or key/since/until; `force`. */
export function replayBody(body: unknown): { filter: ReplayFilter; force: boolean } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad('the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  const allowed = ['eventId', 'status', 'key', 'since', 'until', 'force'];
  for (const name of Object.keys(fields)) if (!allowed.includes(name)) bad(`unknown field "${name.slice(0, 40)}" (expected: ${allowed.join(', ')})`);
  const force = fields.force ?? false;
  if (typeof force !== 'boolean') bad('force must be true or false');
  const text = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined) return undefined;
    return typeof value === 'string' ? value : bad(`${name} must be a string`);
  };
  const [id, dead, keyPattern, since, until] = ['eventId', 'status', 'key', 'since', 'until'].map(text);
  const ways = [id, dead, keyPattern ?? since ?? until].filter((value) => value !== undefined).length;
  if (ways !== 1) bad('give exactly one of: eventId, status: "dead", or key/since/until');
  if (id !== undefined) return { filter: { eventId: eventId(id, 'eventId') }, force };
  if (dead !== undefined) return dead === 'dead' ? { filter: { status: 'dead' }, force } : bad('status must be "dead"');
  return {
    filter: {
      key: keyPattern === undefined ? undefined : key(keyPattern),
      since: since === undefined ? undefined : time('since', since),
      until: until === undefined ? undefined : time('until', until),
    },
    force,
  };
}

/** `replayed` of the page after a replay (how many were re-queued), a count or absent. */
export function replayedCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^[0-9]{1,9}$/.test(value) ? Number(value) : bad('replayed must be a whole number (the count of a replay)');
}

/** A list cursor for a URL: opaque, so nobody edits one into something else. */
export function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(`${cursor.receivedAt.getTime()}:${cursor.eventId}`).toString('base64url');
}

function decodeCursor(token: string): EventCursor {
  const invalid = (): never => bad('before must be a cursor from this list (its "Older" link or Link header)');
  if (!CURSOR.test(token)) invalid();
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  const ms = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (colon < 0 || !/^[0-9]{1,16}$/.test(ms) || !ID.test(id)) invalid();
  // 16 digits go past the last date there is (8.64e15 ms): such a time is no row's, and no query's.
  const receivedAt = new Date(Number(ms));
  if (Number.isNaN(receivedAt.getTime())) invalid();
  return { receivedAt, eventId: id };
}
