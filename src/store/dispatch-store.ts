import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { type Dialect, dialectOf, keyPatternToLike, SqlParams, updatedRows } from './sql-dialect';
import type { WebhookEventStatus } from './webhook-event.entity';

/** A claimed event: the raw body is parsed again by the worker, exactly as intake stored it. */
export interface ClaimedEvent {
  eventId: string;
  rawBody: string;
  attempts: number;
}

/** Which events a replay re-queues. */
export type ReplayFilter =
  | { eventId: string }
  | { eventIds: readonly string[] }
  | { status: 'dead' }
  | { key?: string; since?: Date; until?: Date };

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
 * The SQL of dispatch, per database. Claims are leases: `processing` with `locked_until`; an event
 * whose lease ran out (its worker died) is claimable again. PostgreSQL and MySQL claim with
 * `FOR UPDATE SKIP LOCKED` so instances never wait on or take each other's rows; SQLite has one
 * writer at a time, so one UPDATE … RETURNING is already atomic.
 */
@Injectable()
export class DispatchStore {
  private readonly dialect: Dialect;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  async claim(workerId: string, limit: number, leaseMs: number, now = new Date()): Promise<ClaimedEvent[]> {
    const claimed: ClaimedEvent[] = [];
    // One branch per status, each an ordered range of one index, so a claim reads only due rows however
    // many processed ones the table keeps. New events first; retries and expired leases are rarer.
    for (const branch of CLAIM_BRANCHES) {
      if (claimed.length >= limit) break;
      claimed.push(...(await this.claimBranch(branch, workerId, limit - claimed.length, leaseMs, now)));
    }
    return claimed;
  }

  private async claimBranch(
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

    if (this.dialect === 'mysql') {
      return this.dataSource.transaction(async (manager) => {
        const p = new SqlParams('mysql');
        const ids: Array<{ event_id: string }> = await manager.query(
          `SELECT event_id FROM omise_webhook_events WHERE ${due(p)} FOR UPDATE SKIP LOCKED`,
          p.values,
        );
        if (ids.length === 0) return [];
        const u = new SqlParams('mysql');
        const assignments = set(u); // before the id list: MySQL binds placeholders by position
        await manager.query(
          `UPDATE omise_webhook_events SET ${assignments} WHERE event_id IN (${u.list(ids.map((r) => r.event_id))})`,
          u.values,
        );
        return this.read(manager, ids.map((r) => r.event_id));
      });
    }
    const p = new SqlParams(this.dialect);
    const lock = this.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const sql =
      `UPDATE omise_webhook_events SET ${set(p)} WHERE event_id IN ` +
      `(SELECT event_id FROM omise_webhook_events WHERE ${due(p)}${lock}) ` +
      'RETURNING event_id AS "eventId", raw_body AS "rawBody", attempts';
    const rows = updatedRows<ClaimedEvent>(this.dialect, await this.dataSource.query(sql, p.values));
    return rows.map((r) => ({ ...r, attempts: Number(r.attempts) }));
  }

  private async read(manager: EntityManager, ids: string[]): Promise<ClaimedEvent[]> {
    const p = new SqlParams(this.dialect);
    const rows: ClaimedEvent[] = await manager.query(
      `SELECT event_id AS eventId, raw_body AS rawBody, attempts FROM omise_webhook_events WHERE event_id IN (${p.list(ids)})`,
      p.values,
    );
    return rows.map((r) => ({ ...r, attempts: Number(r.attempts) }));
  }

  /** Per event, the handlers that already succeeded: they are not run again. One query per claim. */
  async succeededHandlers(eventIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const done = new Map<string, Set<string>>(eventIds.map((id) => [id, new Set<string>()]));
    if (eventIds.length === 0) return done;
    const p = new SqlParams(this.dialect);
    const rows: Array<{ event_id: string; handler: string }> = await this.dataSource.query(
      `SELECT event_id, handler FROM omise_webhook_handler_runs WHERE event_id IN (${p.list(eventIds)}) AND status = 'succeeded'`,
      p.values,
    );
    for (const row of rows) done.get(row.event_id)?.add(row.handler);
    return done;
  }

  async recordHandlerRun(
    eventId: string,
    handler: string,
    error: string | null,
    now = new Date(),
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const p = new SqlParams(this.dialect);
    const status = error === null ? 'succeeded' : 'failed';
    const values = `(${p.add(eventId)}, ${p.add(handler)}, ${p.add(status)}, 1, ${p.add(error)}, ${p.time(now)})`;
    const update =
      this.dialect === 'mysql'
        ? 'ON DUPLICATE KEY UPDATE status = VALUES(status), attempts = attempts + 1, last_error = VALUES(last_error), updated_at = VALUES(updated_at)'
        : 'ON CONFLICT (event_id, handler) DO UPDATE SET status = excluded.status, ' +
          'attempts = omise_webhook_handler_runs.attempts + 1, last_error = excluded.last_error, updated_at = excluded.updated_at';
    await manager.query(
      `INSERT INTO omise_webhook_handler_runs (event_id, handler, status, attempts, last_error, updated_at) VALUES ${values} ${update}`,
      p.values,
    );
  }

  /**
   * Ends this worker's lease with the outcome, recording the last handler run in the same transaction
   * (one commit instead of two per event). Returns false when the lease was lost (it ran out and another
   * worker claimed the event): the other worker's outcome stands.
   */
  async finish(
    eventId: string,
    workerId: string,
    outcome: { status: WebhookEventStatus; nextAttemptAt?: Date; lastError?: string | null },
    lastRun?: { handler: string; error: string | null },
    now = new Date(),
  ): Promise<boolean> {
    // Placeholders are added in the order they appear in the text: MySQL and SQLite bind by position.
    const p = new SqlParams(this.dialect);
    const finished = outcome.status === 'processed' || outcome.status === 'ignored';
    const sql =
      `UPDATE omise_webhook_events SET status = ${p.add(outcome.status)}, ` +
      (outcome.nextAttemptAt ? `next_attempt_at = ${p.time(outcome.nextAttemptAt)}, ` : '') +
      `last_error = ${p.add(outcome.lastError ?? null)}, processed_at = ${finished ? p.time(now) : 'NULL'}, ` +
      `locked_by = NULL, locked_until = NULL ` +
      `WHERE event_id = ${p.add(eventId)} AND locked_by = ${p.add(workerId)} AND status = 'processing'`;
    if (!lastRun) return (await this.affected(sql, p.values)) > 0;
    return this.atomically(async (manager) => {
      await this.recordHandlerRun(eventId, lastRun.handler, lastRun.error, now, manager);
      return (await this.affectedWith(manager, sql, p.values)) > 0;
    });
  }

  /** Gives back this worker's unfinished leases so another instance can take them at once. */
  async release(workerId: string): Promise<number> {
    const p = new SqlParams(this.dialect);
    return this.affected(
      `UPDATE omise_webhook_events SET status = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, ` +
        `locked_by = NULL, locked_until = NULL WHERE locked_by = ${p.add(workerId)} AND status = 'processing'`,
      p.values,
    );
  }

  /**
   * Re-queues events. Without `force`, processed and ignored events are left alone and the handlers
   * that succeeded before are not re-run; with `force`, every handler of every matching event runs again.
   */
  async replay(filter: ReplayFilter, force: boolean, now = new Date()): Promise<number> {
    return this.atomically(async (manager) => {
      if (force) {
        // The handler history of the re-queued events is forgotten, so every handler runs again.
        const d = new SqlParams(this.dialect);
        await manager.query(
          `DELETE FROM omise_webhook_handler_runs WHERE event_id IN ` +
            `(SELECT event_id FROM (SELECT event_id FROM omise_webhook_events WHERE ${this.replayCondition(d, filter, force)}) AS replayed)`,
          d.values,
        );
      }
      const p = new SqlParams(this.dialect);
      const sql =
        `UPDATE omise_webhook_events SET status = 'pending', attempts = 0, next_attempt_at = ${p.time(now)}, ` +
        `last_error = NULL, processed_at = NULL WHERE ${this.replayCondition(p, filter, force)}`;
      return this.affectedWith(manager, sql, p.values);
    });
  }

  private replayCondition(p: SqlParams, filter: ReplayFilter, force: boolean): string {
    // A running event is never touched; without force, finished ones (processed, ignored) neither.
    const where: string[] = [force ? "status <> 'processing'" : "status IN ('failed', 'dead', 'pending')"];
    if ('eventId' in filter) where.push(`event_id = ${p.add(filter.eventId)}`);
    else if ('eventIds' in filter) where.push(filter.eventIds.length ? `event_id IN (${p.list(filter.eventIds)})` : '1 = 0');
    else if ('status' in filter) where.push(`status = ${p.add(filter.status)}`);
    else {
      if (filter.key) where.push(`event_key LIKE ${p.add(keyPatternToLike(filter.key))} ESCAPE '!'`);
      if (filter.since) where.push(`received_at >= ${p.time(filter.since)}`);
      if (filter.until) where.push(`received_at < ${p.time(filter.until)}`);
    }
    return where.join(' AND ');
  }

  /**
   * A transaction on PostgreSQL and MySQL. On SQLite, TypeORM shares one connection between every
   * caller, so a transaction would take in whatever else runs meanwhile (an intake INSERT that is then
   * acknowledged, and lost if the transaction rolls back), and two would collide. There the statements
   * run one by one, each atomic on its own; both callers stay correct if the second one fails.
   */
  private atomically<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dialect === 'sqlite' ? work(this.dataSource.manager) : this.dataSource.transaction(work);
  }

  private affected(sql: string, values: unknown[]): Promise<number> {
    return this.affectedWith(this.dataSource.manager, sql, values);
  }

  /** Rows changed by a statement: TypeORM's structured result reports it the same way for every driver. */
  private async affectedWith(manager: EntityManager, sql: string, values: unknown[]): Promise<number> {
    const runner = manager.queryRunner ?? this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(sql, values, true);
      return result.affected ?? 0;
    } finally {
      if (!manager.queryRunner) await runner.release();
    }
  }
}
