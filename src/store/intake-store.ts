import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { OmiseEvent } from '../events/omise-event';
import { type Dialect, dialectOf, SqlParams } from './sql-dialect';

/** Outcome of storing a delivery: the first delivery of an id is `stored`, every later one `duplicate`. */
export type StoreOutcome = 'stored' | 'duplicate';

interface PendingDelivery {
  event: OmiseEvent;
  rawBody: string;
  receivedAt: Date;
  deliveryId: string;
  resolve(outcome: StoreOutcome): void;
  reject(error: unknown): void;
}

/** Rows per INSERT: well under every driver's bound-parameter limit (7 parameters a row). */
const MAX_BATCH_ROWS = 500;
/** Batches in flight at once; the rest queue up and join the next batch (group commit). */
const MAX_BATCHES_IN_FLIGHT = 4;

/**
 * Writes deliveries to `omise_webhook_events` with group commit: every delivery that arrives while
 * the event loop is busy (or while earlier batches are being written) joins one multi-row INSERT and
 * one commit. Duplicates are settled by the primary key on `event_id` inside the database
 * (`ON CONFLICT DO NOTHING` / a no-op `ON DUPLICATE KEY UPDATE`), never by a read before the write,
 * so concurrent deliveries on any number of instances yield exactly one `stored`. Resolves only once
 * the row is committed.
 */
@Injectable()
export class IntakeStore {
  private readonly dialect: Dialect;
  private queue: PendingDelivery[] = [];
  private flushScheduled = false;
  private batchesInFlight = 0;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  store(event: OmiseEvent, rawBody: string): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, rawBody, receivedAt: new Date(), deliveryId: randomUUID(), resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.batchesInFlight >= MAX_BATCHES_IN_FLIGHT || this.queue.length === 0) return;
    this.flushScheduled = true;
    // setImmediate, not a timer: deliveries parsed in the same turn of the event loop share a batch,
    // and a lone delivery waits for nothing.
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.queue.splice(0, MAX_BATCH_ROWS);
      if (batch.length === 0) return;
      this.batchesInFlight++;
      // writeBatch settles every delivery itself and never rejects.
      void this.writeBatch(batch).finally(() => {
        this.batchesInFlight--;
        this.scheduleFlush();
      });
      this.scheduleFlush();
    });
  }

  private async writeBatch(batch: PendingDelivery[]): Promise<void> {
    // The first delivery of an id in the batch is the one that may insert; the others are duplicates
    // whatever the database says, as are first deliveries whose id was already stored.
    const firsts = new Map<string, PendingDelivery>();
    for (const delivery of batch) if (!firsts.has(delivery.event.id)) firsts.set(delivery.event.id, delivery);
    let inserted: Set<string> | undefined;
    for (let attempt = 1; inserted === undefined; attempt++) {
      try {
        inserted = await this.insertIgnoringDuplicates([...firsts.values()]);
      } catch (error) {
        // A deadlock victim was rolled back whole, so trying again is safe (InnoDB can pick the
        // intake INSERT as victim against the worker's claim); anything else is the 503 path.
        if (attempt < 3 && isTransientLockError(error)) continue;
        for (const delivery of batch) delivery.reject(error);
        return;
      }
    }
    for (const delivery of batch) {
      const isWinner = firsts.get(delivery.event.id) === delivery && inserted.has(delivery.event.id);
      delivery.resolve(isWinner ? 'stored' : 'duplicate');
    }
  }

  /** Inserts the rows in one statement and one commit; returns the ids that were new. */
  private async insertIgnoringDuplicates(rows: PendingDelivery[]): Promise<Set<string>> {
    const columns = '(event_id, event_key, livemode, raw_body, received_at, next_attempt_at, delivery_id)';
    const params = new SqlParams(this.dialect);
    const tuples = rows.map(
      (row) =>
        `(${params.add(row.event.id)}, ${params.add(row.event.key)}, ${params.bool(row.event.livemode)}, ` +
        `${params.add(row.rawBody)}, ${params.time(row.receivedAt)}, ${params.time(row.receivedAt)}, ${params.add(row.deliveryId)})`,
    );
    const insert = `INSERT INTO omise_webhook_events ${columns} VALUES ${tuples.join(', ')}`;

    if (this.dialect === 'mysql') {
      // MySQL has no RETURNING. A no-op update keeps real errors errors (unlike INSERT IGNORE); the
      // rows this statement created are the ones that carry our delivery ids, read back by primary
      // key in the same transaction so that a failure in between stores nothing.
      return this.dataSource.transaction(async (manager) => {
        await manager.query(`${insert} ON DUPLICATE KEY UPDATE event_id = event_id`, params.values);
        const ids = new SqlParams(this.dialect);
        const found: Array<{ event_id: string; delivery_id: string }> = await manager.query(
          `SELECT event_id, delivery_id FROM omise_webhook_events WHERE event_id IN (${ids.list(rows.map((row) => row.event.id))})`,
          ids.values,
        );
        const ours = new Set(rows.map((row) => row.deliveryId));
        return new Set(found.filter((row) => ours.has(row.delivery_id)).map((row) => row.event_id));
      });
    }
    const returned: Array<{ event_id: string }> = await this.dataSource.query(
      `${insert} ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      params.values,
    );
    return new Set(returned.map((row) => row.event_id));
  }
}

/** Deadlock or lock-wait errors: MySQL 1213/1205, PostgreSQL 40P01/40001, SQLite BUSY. */
function isTransientLockError(error: unknown): boolean {
  const { errno, code } = (error ?? {}) as { errno?: number; code?: string };
  return errno === 1213 || errno === 1205 || code === '40P01' || code === '40001' || code === 'SQLITE_BUSY';
}
