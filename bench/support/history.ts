import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';

/**
 * Events `from`…`to` (1-based, inclusive) already processed, as a store a year into production holds,
 * written straight in SQL into a table the app has migrated: small bodies (the row count and the
 * indexes are what intake feels, not the bodies' bytes), spread over a year, one handler run each.
 * Then VACUUM ANALYZE and CHECKPOINT, so planner statistics are fresh and no dirty pages of the seeding
 * land in a measurement. Returns the seconds it took.
 */
export async function seedHistory(db: Pool, from: number, to: number): Promise<number> {
  const start = performance.now();
  const yearMs = 365 * 24 * 3600 * 1000;
  const rows = `FROM generate_series($1::int, $2::int) AS i,
                LATERAL (SELECT (extract(epoch FROM now()) * 1000)::bigint - $3::bigint + (i::bigint * $3::bigint / $2::int) AS at) AS t`;
  await db.query(
    `INSERT INTO omise_webhook_events (event_id, event_key, livemode, raw_body, received_at, next_attempt_at, delivery_id, status, attempts, processed_at, object_id)
     SELECT 'evnt_old_' || i, 'charge.complete', false, '{"object":"event","id":"evnt_old_' || i || '"}', at, at, gen_random_uuid(), 'processed', 1, at + 50, 'chrg_old_' || i
     ${rows}`,
    [from, to, yearMs],
  );
  await db.query(
    `INSERT INTO omise_webhook_handler_runs (event_id, handler, status, attempts, updated_at)
     SELECT 'evnt_old_' || i, 'ChargeEventsListener.onCharge', 'succeeded', 1, at + 50
     ${rows}`,
    [from, to, yearMs],
  );
  await db.query('VACUUM ANALYZE omise_webhook_events');
  await db.query('VACUUM ANALYZE omise_webhook_handler_runs');
  await db.query('CHECKPOINT');
  return (performance.now() - start) / 1000;
}
