import { Injectable } from '@nestjs/common';
import { Database } from './database';
import { type EventRef, refsCondition } from './event-ref';
import { filterConditions, replayConditions } from './event-filter';
import type { HandlerRunStatus } from './handler-run.entity';
import type { EventCursor, EventFilter, EventReplay, HandlerRunSummary, ReplayFilter, StoredEventSummary } from './stored-event.types';
import { WEBHOOK_EVENT_STATUSES, type WebhookEventSource, type WebhookEventStatus } from './webhook-event.entity';

/** One event with everything the admin shows of it. */
export interface StoredEventRecord {
  event: StoredEventSummary;
  /** The body as stored (the admin masks it before anyone sees it). */
  bodyText: string;
  handlerRuns: HandlerRunSummary[];
  /** Newest first. */
  replays: EventReplay[];
}

const SUMMARY_SELECT =
  'SELECT event_id, account, event_key, livemode, received_at, status, attempts, next_attempt_at, locked_until, last_error, processed_at, object_id, ' +
  'source, trace_parent';

/** A row as the drivers return it: these tables hold only text, numbers and booleans. */
type Value = string | number | boolean | null;
type Row = Record<string, Value>;

/**
 * The admin's reads of the module's tables. The list is newest first by keyset on (received_at,
 * event_id): each page is one ordered range of an index (omise_webhook_events_received, or
 * omise_webhook_events_status_received with a status), so a page deep in a million rows costs what
 * the first one does. Search by id is a primary-key or object_id index lookup. Every call is bounded
 * by the module's database deadline, as the other stores' are.
 */
@Injectable()
export class AdminStore {
  constructor(private readonly db: Database) {}

  /** Up to `limit` events after the cursor, newest first, and whether more follow. */
  async list(filter: EventFilter, before: EventCursor | undefined, limit: number): Promise<{ events: StoredEventSummary[]; more: boolean }> {
    const { sql, values } = this.listQuery(filter, before, limit + 1);
    const rows = await this.db.query<Row[]>('listing events', sql, values);
    return { events: rows.slice(0, limit).map(toSummary), more: rows.length > limit };
  }

  /** The list's SQL, for the tests that read its plan. */
  listQuery(filter: EventFilter, before: EventCursor | undefined, limit: number): { sql: string; values: unknown[] } {
    const p = this.db.params();
    const where = filterConditions(p, filter);
    if (before) {
      // `received_at <= t` bounds the index range; the OR breaks ties within one millisecond. (A row
      // value comparison would say it in one term, but not every planner turns it into a range.)
      const at = before.receivedAt;
      where.push(`received_at <= ${p.time(at)}`, `(received_at < ${p.time(at)} OR event_id < ${p.add(before.eventId)})`);
    }
    const sql =
      `${SUMMARY_SELECT} FROM omise_webhook_events${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY received_at DESC, event_id DESC LIMIT ${Number(limit)}`;
    return { sql, values: p.values };
  }

  /**
   * One event with its handler runs and replays: of `account`, or, when the same id is stored under
   * several accounts and none is named, the one received last.
   */
  async find(eventId: string, account?: string): Promise<StoredEventRecord | null> {
    const p = this.db.params();
    const where = [`event_id = ${p.add(eventId)}`, ...(account === undefined ? [] : [`account = ${p.add(account)}`])];
    const rows = await this.db.query<Row[]>(
      'reading an event',
      `${SUMMARY_SELECT}, raw_body FROM omise_webhook_events WHERE ${where.join(' AND ')} ORDER BY received_at DESC`,
      p.values,
    );
    if (rows.length === 0) return null;
    const event = toSummary(rows[0]);
    const r = this.db.params();
    const runs = await this.db.query<Row[]>(
      'reading handler runs',
      `SELECT handler, status, attempts, last_error, updated_at FROM omise_webhook_handler_runs WHERE ${refsCondition(r, [event])} ORDER BY handler`,
      r.values,
    );
    return { event, bodyText: String(rows[0].raw_body), handlerRuns: runs.map(toRun), replays: await this.replaysOf(event) };
  }

  private async replaysOf(ref: EventRef): Promise<EventReplay[]> {
    const p = this.db.params();
    const rows = await this.db.query<Row[]>(
      'reading replays',
      'SELECT r.replay_id, r.replayed_at, r.actor, r.selection, r.forced, e.status, e.attempts, e.last_error, e.processed_at ' +
        'FROM omise_webhook_replayed_events e JOIN omise_webhook_replays r ON r.replay_id = e.replay_id ' +
        `WHERE ${refsCondition(p, [ref], 'e.')} ORDER BY r.replayed_at DESC, r.replay_id DESC`,
      p.values,
    );
    if (rows.length === 0) return [];
    const ids = rows.map((row) => String(row.replay_id));
    const q = this.db.params();
    // By (replay_id, event_id): the primary key's leading columns.
    const runs = await this.db.query<Row[]>(
      'reading replayed runs',
      'SELECT replay_id, handler, status, attempts, last_error, updated_at FROM omise_webhook_replayed_runs ' +
        `WHERE replay_id IN (${q.list(ids)}) AND ${refsCondition(q, [ref])} ORDER BY handler`,
      q.values,
    );
    return rows.map((row) => ({
      replayId: String(row.replay_id),
      replayedAt: time(row.replayed_at),
      actor: String(row.actor),
      filter: String(row.selection),
      forced: bool(row.forced),
      before: {
        status: row.status as WebhookEventStatus,
        attempts: Number(row.attempts),
        lastError: text(row.last_error),
        processedAt: nullableTime(row.processed_at),
      },
      handlerRuns: runs.filter((run) => run.replay_id === row.replay_id).map(toRun),
    }));
  }

  /** Stored events per status, every status present (0 when none). */
  async counts(): Promise<Record<WebhookEventStatus, number>> {
    const rows = await this.db.query<Row[]>('counting events', 'SELECT status, COUNT(*) AS n FROM omise_webhook_events GROUP BY status', []);
    const counts = Object.fromEntries(WEBHOOK_EVENT_STATUSES.map((status) => [status, 0])) as Record<WebhookEventStatus, number>;
    for (const row of rows) if (String(row.status) in counts) counts[row.status as WebhookEventStatus] = Number(row.n);
    return counts;
  }

  /** How many events a replay with this filter would re-queue now. */
  async replayCount(filter: ReplayFilter, force: boolean): Promise<number> {
    const p = this.db.params();
    const rows = await this.db.query<Row[]>(
      'counting events to replay',
      `SELECT COUNT(*) AS n FROM omise_webhook_events WHERE ${replayConditions(p, filter, force).join(' AND ')}`,
      p.values,
    );
    return Number(rows[0].n);
  }
}

// Drivers differ in what they return: node-postgres gives BIGINT as a string and booleans as
// booleans; MySQL and SQLite give 0/1 for booleans.
const time = (value: Value): Date => new Date(Number(value));
const nullableTime = (value: Value | undefined): Date | null => (value === null || value === undefined ? null : time(value));
const text = (value: Value | undefined): string | null => (value === null || value === undefined ? null : String(value));
const bool = (value: Value): boolean => value === true || Number(value) === 1;

function toSummary(row: Row): StoredEventSummary {
  return {
    eventId: String(row.event_id),
    account: String(row.account),
    key: String(row.event_key),
    livemode: bool(row.livemode),
    receivedAt: time(row.received_at),
    status: row.status as WebhookEventStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: time(row.next_attempt_at),
    lockedUntil: nullableTime(row.locked_until),
    lastError: text(row.last_error),
    processedAt: nullableTime(row.processed_at),
    objectId: text(row.object_id),
    source: row.source as WebhookEventSource,
    traceParent: text(row.trace_parent),
  };
}

function toRun(row: Row): HandlerRunSummary {
  return {
    handler: String(row.handler),
    status: row.status as HandlerRunStatus,
    attempts: Number(row.attempts),
    lastError: text(row.last_error),
    updatedAt: time(row.updated_at),
  };
}
