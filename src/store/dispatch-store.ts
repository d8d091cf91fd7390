import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { Database } from './database';
import { SqlParams, updatedRows } from './sql-dialect';
import type { WebhookEventStatus } from './webhook-event.entity';

/** A claimed event: the raw body is parsed again by the worker, exactly as intake stored it. */
export interface ClaimedEvent {
  eventId: string;
  bodyText: string;
  attempts: number;
  /** The traceparent of the intake that stored it, for the dispatch span's link. */
  traceParent: string | null;
}

/** What one handler did with one event: `error` null when it succeeded. */
export interface HandlerRun {
  eventId: string;
  handler: string;
  error: string | null;
}

/** How a claimed event ends this attempt, with the run of its last handler (committed together). */
export interface AttemptOutcome {
  eventId: string;
  status: Extract<WebhookEventStatus, 'processed' | 'ignored' | 'failed' | 'dead'>;
  /** For `failed`: when to try again. */
  nextAttemptAt?: Date;
  lastError: string | null;
  lastRun?: HandlerRun;
}

interface ClaimBranch {
  status: 'pending' | 'failed' | 'processing';
  /** The time column that makes a row of this status due; indexed together with `status`. */
  column: 'next_attempt_at' | 'locked_until';
}

const CLAIM_BRANCHES: readonly ClaimBranch[] = [
  { status: 'pending', column: 'next_attempt_at' },
  { status: 'failed', column: 'next_attempt_at' },
  // A lease that ran out: its worker died (or stalled); the event is claimed again.
  { status: 'processing', column: 'locked_until' },
];

/**
 * The SQL of dispatch, per database, every call bounded by the module's database deadline. Claims
 * are leases: `processing` with `locked_until`; an event whose lease ran out (its worker died) is
 * claimable again. PostgreSQL and MySQL claim with `FOR UPDATE SKIP LOCKED` so instances never wait
 * on or take each other's rows; SQLite has one writer at a time, so one UPDATE … RETURNING is
 * already atomic. Outcomes are written for many events at once ({@link finish}).
 */
@Injectable()
export class DispatchStore {
  constructor(private readonly db: Database) {}

  /**
   * Claims up to `limit` due events. `newOnly`: only `pending` ones (what intake has just stored);
   * otherwise retries that came due and expired leases too, as the sweep wants.
   */
  async claim(workerId: string, limit: number, leaseMs: number, options: { newOnly?: boolean } = {}, now = new Date()): Promise<ClaimedEvent[]> {
    return this.db.boundedRetryingLocks('claiming events', async (runner) => {
      const claimed: ClaimedEvent[] = [];
      // One branch per status, each an ordered range of one index, so a claim reads only due rows however
      // many processed ones the table keeps. New events first; retries and expired leases are rarer.
      for (const branch of options.newOnly ? CLAIM_BRANCHES.slice(0, 1) : CLAIM_BRANCHES) {
        if (claimed.length >= limit) break;
        claimed.push(...(await this.claimBranch(runner, branch, workerId, limit - claimed.length, leaseMs, now)));
      }
      return claimed.map((row) => ({ ...row, attempts: Number(row.attempts) }));
    });
  }

  private async claimBranch(
    runner: QueryRunner,
    branch: ClaimBranch,
    workerId: string,
    limit: number,
    leaseMs: number,
    now: Date,
  ): Promise<ClaimedEvent[]> {
    const lockedUntil = new Date(now.getTime() + leaseMs);
    const due = (p: SqlParams) =>
      `status = '${branch.status}' AND ${branch.column} ${branch.status === 'processing' ? '<' : '<='} ${p.time(now)} ` +
      `ORDER BY ${branch.column} LIMIT ${Number(limit)}`;
    const set = (p: SqlParams) =>
      `status = 'processing', attempts = attempts + 1, locked_by = ${p.add(workerId)}, locked_until = ${p.time(lockedUntil)}`;

    if (this.db.dialect === 'mysql') {
      return this.db.transaction(runner, async () => {
        const p = new SqlParams('mysql');
        const ids = (await runner.query(`SELECT event_id FROM omise_webhook_events WHERE ${due(p)} FOR UPDATE SKIP LOCKED`, p.values)) as Array<{
          event_id: string;
        }>;
        if (ids.length === 0) return [];
        const u = new SqlParams('mysql');
        const assignments = set(u); // before the id list: MySQL binds placeholders by position
        const list = u.list(ids.map((r) => r.event_id));
        await runner.query(`UPDATE omise_webhook_events SET ${assignments} WHERE event_id IN (${list})`, u.values);
        const r = new SqlParams('mysql');
        return (await runner.query(
          `SELECT event_id AS eventId, raw_body AS bodyText, attempts, trace_parent AS traceParent FROM omise_webhook_events ` +
            `WHERE event_id IN (${r.list(ids.map((row) => row.event_id))})`,
          r.values,
        )) as ClaimedEvent[];
      });
    }
    const p = this.db.params();
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const sql =
      `UPDATE omise_webhook_events SET ${set(p)} WHERE event_id IN ` +
      `(SELECT event_id FROM omise_webhook_events WHERE ${due(p)}${lock}) ` +
      'RETURNING event_id AS "eventId", raw_body AS "bodyText", attempts, trace_parent AS "traceParent"';
    return updatedRows<ClaimedEvent>(this.db.dialect, await runner.query(sql, p.values));
  }

  /** Per event, the handlers that already succeeded: they are not run again. One query per claim. */
  async succeededHandlers(eventIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const done = new Map<string, Set<string>>(eventIds.map((id) => [id, new Set<string>()]));
    if (eventIds.length === 0) return done;
    const p = this.db.params();
    const rows = await this.db.boundedRetryingLocks(
      'reading handler runs',
      async (runner) =>
        (await runner.query(`SELECT event_id, handler FROM omise_webhook_handler_runs WHERE event_id IN (${p.list(eventIds)}) AND status = 'succeeded'`, p.values)) as Array<{
          event_id: string;
          handler: string;
        }>,
    );
    for (const row of rows) done.get(row.event_id)?.add(row.handler);
    return done;
  }

  /** Records one handler's run at once: used between the handlers of one event, so a crash does not re-run one that succeeded. */
  async recordRun(run: HandlerRun, now = new Date()): Promise<void> {
    await this.db.boundedRetryingLocks('recording a handler run', (runner) => this.insertRuns(runner, [run], now));
  }

  /**
   * Ends this worker's leases of many events with their outcomes, and records their last handler
   * runs, in one commit (one statement on PostgreSQL). An event whose lease was lost (it ran out and
   * another worker claimed the event) is left alone: the other worker's outcome stands. Returns the
   * ids whose outcome was written.
   */
  async finish(workerId: string, outcomes: readonly AttemptOutcome[], now = new Date()): Promise<Set<string>> {
    if (outcomes.length === 0) return new Set();
    const runs = outcomes.flatMap((outcome) => (outcome.lastRun ? [outcome.lastRun] : []));
    return this.db.boundedRetryingLocks('writing event outcomes', async (runner) => {
      if (this.db.dialect === 'postgres') return this.finishPostgres(runner, workerId, outcomes, runs, now);
      if (this.db.dialect === 'mysql') {
        return this.db.transaction(runner, async () => {
          if (runs.length > 0) await this.insertRuns(runner, runs, now);
          return this.finishMysql(runner, workerId, outcomes, now);
        });
      }
      // SQLite, statement by statement (see transaction()): a run recorded for an event whose update
      // did not happen is at worst a handler that is not run again when the event is retried.
      if (runs.length > 0) await this.insertRuns(runner, runs, now);
      return this.finishSqlite(runner, workerId, outcomes, now);
    });
  }

  /** One statement: the runs as a data-modifying CTE, the outcomes from a VALUES list. */
  private async finishPostgres(runner: QueryRunner, workerId: string, outcomes: readonly AttemptOutcome[], runs: HandlerRun[], now: Date): Promise<Set<string>> {
    const p = new SqlParams('postgres');
    const runsCte = runs.length > 0 ? `runs AS (${this.runsInsert(p, runs, now)} RETURNING 1), ` : '';
    const values = this.outcomeValues(p, outcomes, now, (sql, type) => `CAST(${sql} AS ${type})`);
    const rows: unknown = await runner.query(
      `WITH ${runsCte}v (event_id, status, next_attempt_at, last_error, processed_at) AS (VALUES ${values}) ` +
        `UPDATE omise_webhook_events AS e SET ${outcomeAssignments('')} FROM v ` +
        `WHERE e.event_id = v.event_id AND e.locked_by = ${p.add(workerId)} AND e.status = 'processing' RETURNING e.event_id`,
      p.values,
    );
    return new Set(updatedRows<{ event_id: string }>('postgres', rows).map((row) => row.event_id));
  }

  private async finishSqlite(runner: QueryRunner, workerId: string, outcomes: readonly AttemptOutcome[], now: Date): Promise<Set<string>> {
    const p = new SqlParams('sqlite');
    const values = this.outcomeValues(p, outcomes, now, (sql) => sql);
    const rows = (await runner.query(
      `WITH v (event_id, status, next_attempt_at, last_error, processed_at) AS (VALUES ${values}) ` +
        `UPDATE omise_webhook_events AS e SET ${outcomeAssignments('')} FROM v ` +
        `WHERE e.event_id = v.event_id AND e.locked_by = ${p.add(workerId)} AND e.status = 'processing' RETURNING event_id`,
      p.values,
    )) as Array<{ event_id: string }>;
    return new Set(rows.map((row) => row.event_id));
  }

  /** MySQL has no RETURNING: the held leases are read (and locked) first, then updated from a derived table. */
  private async finishMysql(runner: QueryRunner, workerId: string, outcomes: readonly AttemptOutcome[], now: Date): Promise<Set<string>> {
    const h = new SqlParams('mysql');
    const held = (await runner.query(
      `SELECT event_id FROM omise_webhook_events WHERE event_id IN (${h.list(outcomes.map((o) => o.eventId))}) ` +
        `AND locked_by = ${h.add(workerId)} AND status = 'processing' FOR UPDATE`,
      h.values,
    )) as Array<{ event_id: string }>;
    if (held.length === 0) return new Set();
    const p = new SqlParams('mysql');
    const rows = outcomes.map((outcome, index) => {
      const [id, status, next, error, processed] = this.outcomeFields(p, outcome, now);
      return index === 0
        ? `SELECT ${id} AS event_id, ${status} AS status, ${next} AS next_attempt_at, ${error} AS last_error, ${processed} AS processed_at`
        : `SELECT ${id}, ${status}, ${next}, ${error}, ${processed}`;
    });
    await runner.query(
      `UPDATE omise_webhook_events AS e JOIN (${rows.join(' UNION ALL ')}) AS v ON e.event_id = v.event_id ` +
        `SET ${outcomeAssignments('e.')} ` +
        `WHERE e.locked_by = ${p.add(workerId)} AND e.status = 'processing'`,
      p.values,
    );
    return new Set(held.map((row) => row.event_id));
  }

  /** `(id, status, next attempt, last error, processed at)` per outcome, each field through `cast` (PostgreSQL types them). */
  private outcomeValues(p: SqlParams, outcomes: readonly AttemptOutcome[], now: Date, cast: (sql: string, type: string) => string): string {
    return outcomes
      .map((outcome) => {
        const [id, status, next, error, processed] = this.outcomeFields(p, outcome, now);
        return `(${cast(id, 'varchar')}, ${cast(status, 'varchar')}, ${cast(next, 'bigint')}, ${cast(error, 'text')}, ${cast(processed, 'bigint')})`;
      })
      .join(', ');
  }

  private outcomeFields(p: SqlParams, outcome: AttemptOutcome, now: Date): [string, string, string, string, string] {
    const finished = outcome.status === 'processed' || outcome.status === 'ignored';
    return [
      p.add(outcome.eventId),
      p.add(outcome.status),
      outcome.nextAttemptAt ? p.time(outcome.nextAttemptAt) : p.add(null),
      p.add(outcome.lastError),
      finished ? p.time(now) : p.add(null),
    ];
  }

  private async insertRuns(runner: QueryRunner, runs: readonly HandlerRun[], now: Date): Promise<void> {
    const p = this.db.params();
    await runner.query(this.runsInsert(p, runs, now), p.values);
  }

  /** A run's attempts count its tries; a retry updates the row of the handler's earlier run. */
  private runsInsert(p: SqlParams, runs: readonly HandlerRun[], now: Date): string {
    const values = runs
      .map((run) => `(${p.add(run.eventId)}, ${p.add(run.handler)}, ${p.add(run.error === null ? 'succeeded' : 'failed')}, 1, ${p.add(run.error)}, ${p.time(now)})`)
      .join(', ');
    const update =
      this.db.dialect === 'mysql'
        ? 'ON DUPLICATE KEY UPDATE status = VALUES(status), attempts = attempts + 1, last_error = VALUES(last_error), updated_at = VALUES(updated_at)'
        : 'ON CONFLICT (event_id, handler) DO UPDATE SET status = excluded.status, ' +
          'attempts = omise_webhook_handler_runs.attempts + 1, last_error = excluded.last_error, updated_at = excluded.updated_at';
    return `INSERT INTO omise_webhook_handler_runs (event_id, handler, status, attempts, last_error, updated_at) VALUES ${values} ${update}`;
  }

  /** Gives back this worker's unfinished leases so another instance can take them at once. */
  async release(workerId: string): Promise<number> {
    const p = this.db.params();
    return this.db.boundedRetryingLocks('releasing leases', (runner) =>
      affected(
        runner,
        `UPDATE omise_webhook_events SET status = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, ` +
          `locked_by = NULL, locked_until = NULL WHERE locked_by = ${p.add(workerId)} AND status = 'processing'`,
        p.values,
      ),
    );
  }
}

/**
 * The columns an outcome sets on the event `e` from its row `v`, a retry time only where the outcome
 * has one. MySQL's multi-table UPDATE names its targets (`e.status`); the others may not.
 */
function outcomeAssignments(target: 'e.' | ''): string {
  return (
    `${target}status = v.status, ${target}next_attempt_at = COALESCE(v.next_attempt_at, e.next_attempt_at), ` +
    `${target}last_error = v.last_error, ${target}processed_at = v.processed_at, ${target}locked_by = NULL, ${target}locked_until = NULL`
  );
}

/** Rows changed by a statement: TypeORM's structured result reports it the same way for every driver. */
async function affected(runner: QueryRunner, sql: string, values: unknown[]): Promise<number> {
  const result = (await runner.query(sql, values, true)) as { affected?: number };
  return result.affected ?? 0;
}
