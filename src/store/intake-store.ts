import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { Batcher } from '../common/batcher';
import type { OmiseEvent } from '../events/omise-event';
import { Database } from './database';
import { DatabaseTimeout, StoreOverloaded } from '../errors/store.errors';
import { isUnavailable } from './deadline';
import { objectIdOf } from './object-id';
import type { WebhookEventSource } from './webhook-event.entity';

/** Outcome of storing a delivery: the first delivery of an id is `stored`, every later one `duplicate`. */
export type IntakeOutcome = 'stored' | 'duplicate';

/** Where a delivery came from, and the trace context to store with it. */
export interface StoreOptions {
  source?: WebhookEventSource;
  traceParent?: string | null;
}

interface PendingDelivery {
  event: OmiseEvent;
  bodyText: string;
  source: WebhookEventSource;
  traceParent: string | null;
  receivedAt: Date;
  deliveryId: string;
  settled: boolean;
  timer: NodeJS.Timeout;
  resolve(outcome: IntakeOutcome): void;
  reject(error: unknown): void;
}

/** Rows per INSERT: well under every driver's bound-parameter limit (10 parameters a row). */
const MAX_BATCH_ROWS = 500;
/** Batches in flight at once; the rest queue up and join the next batch (group commit). */
const MAX_BATCHES_IN_FLIGHT = 4;

/**
 * Writes deliveries to `omise_webhook_events` with group commit: every delivery that arrives while
 * the event loop is busy (or while earlier batches are being written) joins one multi-row INSERT and
 * one commit. Duplicates are settled by the primary key on `event_id` inside the database
 * (`ON CONFLICT DO NOTHING` / a no-op `ON DUPLICATE KEY UPDATE`), never by a read before the write,
 * so concurrent deliveries on any number of instances yield exactly one `stored`. Resolves only once
 * the row is committed; then tells whoever listens for new events (the worker) once per batch.
 *
 * Bounded in both directions: a delivery not stored within `databaseTimeoutMs` is rejected at that
 * time (its INSERT may still commit later, if the database was only stalled: a redelivery then finds
 * it as a duplicate, and the worker dispatches the row once); beyond `maxPendingDeliveries` waiting,
 * a delivery is refused at once instead of queueing behind a database that does not answer.
 */
export class IntakeStore {
  private readonly batcher = new Batcher<PendingDelivery>(
    { maxBatch: MAX_BATCH_ROWS, maxInFlight: MAX_BATCHES_IN_FLIGHT, gatherMs: 0 },
    (batch) => this.writeBatch(batch),
  );
  private readonly newEventListeners: Array<() => void> = [];

  constructor(
    private readonly db: Database,
    private readonly maxPendingDeliveries: number,
  ) {}

  /** `listener` is called after every commit that stored at least one new event. */
  onNewEvents(listener: () => void): void {
    this.newEventListeners.push(listener);
  }

  store(event: OmiseEvent, bodyText: string, options: StoreOptions = {}): Promise<IntakeOutcome> {
    // The database is not answering: refused now rather than after the deadline.
    const unavailable = this.db.breaker.refusal();
    if (unavailable) return Promise.reject(unavailable);
    if (this.batcher.size >= this.maxPendingDeliveries) return Promise.reject(new StoreOverloaded(this.maxPendingDeliveries));
    const { timeoutMs } = this.db;
    return new Promise((resolve, reject) => {
      const delivery: PendingDelivery = {
        event,
        bodyText,
        source: options.source ?? 'webhook',
        traceParent: options.traceParent ?? null,
        receivedAt: new Date(),
        deliveryId: randomUUID(),
        settled: false,
        // The sender's deadline runs from arrival, however long the delivery waited for a batch.
        timer: setTimeout(() => settle(delivery, new DatabaseTimeout('storing the event', timeoutMs)), timeoutMs),
        resolve,
        reject,
      };
      this.batcher.add(delivery);
    });
  }

  private async writeBatch(queued: PendingDelivery[]): Promise<void> {
    // Deliveries whose deadline passed while they waited are already answered: not written.
    const batch = queued.filter((delivery) => !delivery.settled);
    if (batch.length === 0) return;
    // The first delivery of an id in the batch is the one that may insert; the others are duplicates
    // whatever the database says, as are first deliveries whose id was already stored.
    const firsts = new Map<string, PendingDelivery>();
    for (const delivery of batch) if (!firsts.has(delivery.event.id)) firsts.set(delivery.event.id, delivery);
    const rows = [...firsts.values()];
    let inserted: Set<string>;
    try {
      inserted = await this.insertRetryingLocks(rows);
    } catch (error) {
      if (isUnavailable(error) || rows.length === 1) {
        for (const delivery of batch) settle(delivery, error);
        return;
      }
      // One row the database refuses (a value no check foresaw) must not fail the others: each row
      // on its own, so only that one is refused.
      inserted = new Set();
      const refused = new Map<string, unknown>();
      for (const row of rows) {
        try {
          for (const id of await this.insertRetryingLocks([row])) inserted.add(id);
        } catch (rowError) {
          refused.set(row.event.id, rowError);
        }
      }
      for (const delivery of batch) {
        const rowError = refused.get(delivery.event.id);
        if (rowError !== undefined) settle(delivery, rowError);
      }
    }
    for (const delivery of batch) {
      const isWinner = firsts.get(delivery.event.id) === delivery && inserted.has(delivery.event.id);
      settle(delivery, undefined, isWinner ? 'stored' : 'duplicate');
    }
    if (inserted.size > 0) for (const listener of this.newEventListeners) listener();
  }

  private insertRetryingLocks(rows: PendingDelivery[]): Promise<Set<string>> {
    // InnoDB can pick the intake INSERT as a deadlock's victim against the worker's claim.
    return this.db.boundedRetryingLocks('storing events', (runner) => this.insertIgnoringDuplicates(runner, rows));
  }

  /** Inserts the rows in one statement and one commit; returns the ids that were new. */
  private async insertIgnoringDuplicates(runner: QueryRunner, rows: PendingDelivery[]): Promise<Set<string>> {
    const columns = '(event_id, event_key, livemode, raw_body, received_at, next_attempt_at, delivery_id, source, trace_parent, object_id)';
    const params = this.db.params();
    const tuples = rows.map(
      (row) =>
        `(${params.add(row.event.id)}, ${params.add(row.event.key)}, ${params.bool(row.event.livemode)}, ` +
        `${params.add(row.bodyText)}, ${params.time(row.receivedAt)}, ${params.time(row.receivedAt)}, ${params.add(row.deliveryId)}, ` +
        `${params.add(row.source)}, ${params.add(row.traceParent)}, ${params.add(objectIdOf(row.event))})`,
    );
    const insert = `INSERT INTO omise_webhook_events ${columns} VALUES ${tuples.join(', ')}`;

    if (this.db.dialect === 'mysql') {
      // MySQL has no RETURNING. A no-op update keeps real errors errors (unlike INSERT IGNORE); the
      // rows this statement created are the ones that carry our delivery ids, read back by primary
      // key in the same transaction so that a failure in between stores nothing.
      await runner.startTransaction();
      try {
        await runner.query(`${insert} ON DUPLICATE KEY UPDATE event_id = event_id`, params.values);
        const ids = this.db.params();
        const found = (await runner.query(
          `SELECT event_id, delivery_id FROM omise_webhook_events WHERE event_id IN (${ids.list(rows.map((row) => row.event.id))})`,
          ids.values,
        )) as Array<{ event_id: string; delivery_id: string }>;
        await runner.commitTransaction();
        const ours = new Set(rows.map((row) => row.deliveryId));
        return new Set(found.filter((row) => ours.has(row.delivery_id)).map((row) => row.event_id));
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    }
    const returned = (await runner.query(`${insert} ON CONFLICT (event_id) DO NOTHING RETURNING event_id`, params.values)) as Array<{
      event_id: string;
    }>;
    return new Set(returned.map((row) => row.event_id));
  }
}

/** Answers a delivery once: by its deadline, or by the batch that wrote it, whichever comes first. */
function settle(delivery: PendingDelivery, error: unknown, outcome?: IntakeOutcome): void {
  if (delivery.settled) return;
  delivery.settled = true;
  clearTimeout(delivery.timer);
  if (outcome !== undefined && error === undefined) delivery.resolve(outcome);
  else delivery.reject(error);
}
