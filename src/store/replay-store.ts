import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { Database } from './database';
import { describeReplayFilter, replayConditions } from './event-filter';
import { type SqlParams, updatedRows } from './sql-dialect';
import type { ReplayFilter, ReplayResult } from './stored-event.types';

/** Ids per statement, well under every driver's bound-parameter limit. */
const REPLAY_BATCH = 500;

export interface ReplayOptions {
  /** Also re-run processed and ignored events, and every handler, not only those that have not succeeded. */
  force?: boolean;
  /** Who asks, for the history: an operator's name, `cli`, … */
  actor: string;
  /** After each batch: events in it, and in the whole replay. */
  progress?: (batch: number, total: number) => void;
}

/**
 * Replay with history. Re-queuing resets what the worker counts from (`attempts` back to 0,
 * `last_error` cleared) and, with force, forgets the handler runs so every handler runs again; so each
 * batch first copies the events' state and their handler runs into omise_webhook_replayed_events and
 * omise_webhook_replayed_runs, in the transaction that re-queues them, under one
 * omise_webhook_replays row saying who, when, which filter, forced or not and how many.
 *
 * A big replay moves in batches of 500, each its own transaction, so it never holds locks for long
 * and an interrupted one has recorded exactly what it re-queued. Each call (the batch, with its
 * transaction) is bounded by the database deadline, as the other stores' calls are.
 */
@Injectable()
export class ReplayStore {
  constructor(private readonly db: Database) {}

  async replay(filter: ReplayFilter, options: ReplayOptions, now = new Date()): Promise<ReplayResult> {
    const force = options.force ?? false;
    const ids = await this.candidates(filter, force);
    if (ids.length === 0) return { replayId: null, requeued: 0 };
    const replayId = randomUUID();
    const p = this.db.params();
    await this.db.bounded('recording a replay', (runner) =>
      runner.query(
        'INSERT INTO omise_webhook_replays (replay_id, replayed_at, actor, selection, forced, event_count) ' +
          `VALUES (${p.add(replayId)}, ${p.time(now)}, ${p.add(actorName(options.actor))}, ${p.add(describeReplayFilter(filter).slice(0, 500))}, ${p.bool(force)}, 0)`,
        p.values,
      ),
    );
    let requeued = 0;
    for (let i = 0; i < ids.length; i += REPLAY_BATCH) {
      const batch = ids.slice(i, i + REPLAY_BATCH);
      requeued += await this.requeue(replayId, batch, force, now);
      options.progress?.(batch.length, ids.length);
    }
    return { replayId, requeued };
  }

  /** The events the replay may take, oldest first. Each batch checks their status again as it locks them. */
  private async candidates(filter: ReplayFilter, force: boolean): Promise<string[]> {
    const p = this.db.params();
    const rows = await this.db.bounded('selecting events to replay', (runner) =>
      runner.query(
        `SELECT event_id FROM omise_webhook_events WHERE ${replayConditions(p, filter, force).join(' AND ')} ORDER BY received_at, event_id`,
        p.values,
      ) as Promise<Array<{ event_id: string }>>,
    );
    return rows.map((row) => row.event_id);
  }

  private requeue(replayId: string, ids: readonly string[], force: boolean, now: Date): Promise<number> {
    return this.db.bounded('replaying events', (runner) => this.db.transaction(runner, () => this.requeueIn(runner, replayId, ids, force, now)));
  }

  private async requeueIn(runner: QueryRunner, replayId: string, ids: readonly string[], force: boolean, now: Date): Promise<number> {
    const ofIds = (p: SqlParams, list: readonly string[]) => replayConditions(p, { eventIds: list }, force).join(' AND ');
    const l = this.db.params();
    // PostgreSQL and MySQL lock the rows: a worker's claim (SKIP LOCKED) passes them by until commit.
    const lock = this.db.dialect === 'sqlite' ? '' : ' FOR UPDATE';
    const lockedRows = (await runner.query(`SELECT event_id FROM omise_webhook_events WHERE ${ofIds(l, ids)}${lock}`, l.values)) as Array<{ event_id: string }>;
    const locked = lockedRows.map((row) => row.event_id);
    if (locked.length === 0) return 0;

    const e = this.db.params();
    await runner.query(
      'INSERT INTO omise_webhook_replayed_events (replay_id, event_id, status, attempts, last_error, processed_at) ' +
        `SELECT ${e.add(replayId)}, event_id, status, attempts, last_error, processed_at FROM omise_webhook_events WHERE event_id IN (${e.list(locked)})`,
      e.values,
    );
    const r = this.db.params();
    await runner.query(
      'INSERT INTO omise_webhook_replayed_runs (replay_id, event_id, handler, status, attempts, last_error, updated_at) ' +
        `SELECT ${r.add(replayId)}, event_id, handler, status, attempts, last_error, updated_at FROM omise_webhook_handler_runs WHERE event_id IN (${r.list(locked)})`,
      r.values,
    );
    if (force) {
      // Forgotten (they are in the history now), so every handler runs again.
      const d = this.db.params();
      await runner.query(`DELETE FROM omise_webhook_handler_runs WHERE event_id IN (${d.list(locked)})`, d.values);
    }
    const u = this.db.params();
    const update =
      `UPDATE omise_webhook_events SET status = 'pending', attempts = 0, next_attempt_at = ${u.time(now)}, ` +
      `last_error = NULL, processed_at = NULL WHERE ${ofIds(u, locked)}`;
    let requeued = locked;
    if (this.db.dialect === 'mysql') {
      await runner.query(update, u.values); // the rows are locked: exactly those are re-queued
    } else {
      requeued = updatedRows<{ event_id: string }>(this.db.dialect, await runner.query(`${update} RETURNING event_id`, u.values)).map((row) => row.event_id);
    }
    if (requeued.length < locked.length) await this.forget(runner, replayId, locked, new Set(requeued));

    const c = this.db.params();
    await runner.query(
      `UPDATE omise_webhook_replays SET event_count = event_count + ${Number(requeued.length)} WHERE replay_id = ${c.add(replayId)}`,
      c.values,
    );
    return requeued.length;
  }

  /**
   * SQLite only (no row locks): a worker claimed some of the events between the copy and the update,
   * so they were not re-queued; their copies go, and the history says only what happened.
   */
  private async forget(runner: QueryRunner, replayId: string, locked: readonly string[], requeued: ReadonlySet<string>): Promise<void> {
    const missed = locked.filter((id) => !requeued.has(id));
    for (const table of ['omise_webhook_replayed_events', 'omise_webhook_replayed_runs']) {
      const p = this.db.params();
      await runner.query(`DELETE FROM ${table} WHERE replay_id = ${p.add(replayId)} AND event_id IN (${p.list(missed)})`, p.values);
    }
  }
}

/** An actor as the history keeps it: one line, at most 100 characters. */
function actorName(actor: string): string {
  const line = actor.replace(/\p{C}+/gu, ' ').trim().slice(0, 100);
  return line.length > 0 ? line : 'unknown';
}
