/**
 * The worker half of the bare pipeline (`BARE_WORKER=on` in baseline-receiver.ts): what a careful
 * hand-written consumer of the receiver's table costs, with no framework. A few loops, each one
 * transaction: claim a batch of unprocessed events with `FOR UPDATE SKIP LOCKED`, apply each to its
 * charge with the demo's upsert (one `INSERT … ON CONFLICT DO UPDATE … WHERE <newer>` per event, as
 * demo/charges does), mark the batch done, commit. No leases, retries, outcome rows or handler
 * registry: the floor under the app's dispatch, not a rival design.
 */
import type { Pool, PoolClient } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';

/** Loops claiming at once (each holds one pooled connection while it works; the receiver shares the pool). */
const LOOPS = 4;
const BATCH = 50;
/** A loop that found less than a full batch waits this long before it looks again. */
const IDLE_MS = 20;

/** The receiver's table with a processed mark, and the demo's charges table (PostgreSQL column types of demo/charges). */
export const BARE_PIPELINE_SCHEMA = [
  'CREATE TABLE IF NOT EXISTS baseline_events (event_id varchar(64) PRIMARY KEY, body text NOT NULL, received_at bigint NOT NULL, processed_at bigint)',
  'CREATE INDEX IF NOT EXISTS baseline_events_unprocessed ON baseline_events (received_at) WHERE processed_at IS NULL',
  `CREATE TABLE IF NOT EXISTS charges (
     charge_id varchar(64) NOT NULL PRIMARY KEY, status varchar(32), amount bigint, currency varchar(3), order_id varchar(255),
     failure_code varchar(64), failure_message varchar(1024), refunded_amount bigint NOT NULL DEFAULT 0,
     disputed boolean NOT NULL DEFAULT false, last_event_id varchar(64) COLLATE "C", last_event_at timestamptz(3))`,
];

const UPSERT_CHARGE = `
  INSERT INTO charges AS c (charge_id, status, amount, currency, order_id, failure_code, failure_message, refunded_amount, disputed, last_event_id, last_event_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8, 0), COALESCE($9, false), $10, $11)
  ON CONFLICT (charge_id) DO UPDATE SET
    status = COALESCE(excluded.status, c.status), amount = COALESCE(excluded.amount, c.amount),
    currency = COALESCE(excluded.currency, c.currency), order_id = excluded.order_id,
    failure_code = excluded.failure_code, failure_message = excluded.failure_message,
    refunded_amount = GREATEST(c.refunded_amount, excluded.refunded_amount), disputed = c.disputed OR excluded.disputed,
    last_event_id = excluded.last_event_id, last_event_at = excluded.last_event_at
  WHERE c.last_event_at IS NULL OR c.last_event_at < excluded.last_event_at
     OR (c.last_event_at = excluded.last_event_at AND c.last_event_id < excluded.last_event_id)`;

interface ChargeEvent {
  id: string;
  created_at?: string;
  created?: string;
  data?: Record<string, unknown> & { metadata?: unknown };
}

const text = (value: unknown, max: number): string | null => (typeof value === 'string' ? value.slice(0, max) : null);
const amount = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null);

/** The charge's state as the demo reads it: `status`, or the flags of the oldest API versions. */
function statusOf(charge: Record<string, unknown>): string | null {
  if (typeof charge.status === 'string') return charge.status.toLowerCase();
  if (charge.failure_code) return 'failed';
  if (charge.expired) return 'expired';
  if (charge.reversed) return 'reversed';
  const paid = charge.paid ?? charge.captured;
  if (paid) return 'successful';
  return paid === false || charge.authorized !== undefined ? 'pending' : null;
}

async function applyToCharge(client: PoolClient, body: string): Promise<void> {
  const event = JSON.parse(body) as ChargeEvent;
  const charge = event.data ?? {};
  if (charge.object !== 'charge' || typeof charge.id !== 'string') return;
  const metadata = charge.metadata;
  const currency = typeof charge.currency === 'string' && /^[A-Za-z]{3}$/.test(charge.currency) ? charge.currency.toUpperCase() : null;
  await client.query(UPSERT_CHARGE, [
    charge.id,
    statusOf(charge),
    amount(charge.amount),
    currency,
    typeof metadata === 'object' && metadata !== null ? text((metadata as Record<string, unknown>).order_id, 255) : null,
    text(charge.failure_code, 64),
    text(charge.failure_message, 1024),
    amount(charge.refunded_amount ?? charge.refunded),
    charge.dispute ? true : null,
    event.id,
    new Date(event.created_at ?? event.created ?? 0),
  ]);
}

/** One claim-apply-mark transaction; resolves with how many events it took. */
async function workOnce(pool: Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ event_id: string; body: string }>(
      'SELECT event_id, body FROM baseline_events WHERE processed_at IS NULL ORDER BY received_at LIMIT $1 FOR UPDATE SKIP LOCKED',
      [BATCH],
    );
    for (const row of rows) await applyToCharge(client, row.body);
    if (rows.length > 0) {
      await client.query('UPDATE baseline_events SET processed_at = $2 WHERE event_id = ANY($1::text[])', [rows.map((row) => row.event_id), Date.now()]);
    }
    await client.query('COMMIT');
    return rows.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Starts the loops; the returned function stops them after their current batch. */
export function startBareWorker(pool: Pool): () => Promise<void> {
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      let claimed = 0;
      try {
        claimed = await workOnce(pool);
      } catch (error) {
        console.error(`bare worker: batch rolled back: ${(error as Error).message}`);
      }
      if (claimed < BATCH) await sleep(IDLE_MS);
    }
  };
  const loops = Array.from({ length: LOOPS }, () => loop());
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}
