import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { OMISE_WEBHOOK_MIGRATIONS } from 'omise-nest-webhooks';
import { DOMAIN_MIGRATIONS } from '../../demo/domain';
import type { OmiseEventFactory } from './omise-events';
import { cpuSecondsOf, logTail, machineBusySeconds, postgresCpuBetween, postgresCpuByPid, startServer, stopServer, type ShutdownOutcome } from './processes';

/** Rows the worker still has to deal with: not yet claimed, claimed and running, or waiting for a retry. */
const UNFINISHED = "('pending', 'processing', 'failed')";
const EVENT_SLOT = '@@DRAIN_EVENT_ID@@';
const CHARGE_SLOT = '@@DRAIN_CHARGE_ID@@';

/** The demo's whole schema (the module's tables and the domain's) in a fresh database, as its boot would. */
export async function migrate(url: string): Promise<void> {
  const dataSource = new DataSource({ type: 'postgres', url, migrations: [...OMISE_WEBHOOK_MIGRATIONS, ...DOMAIN_MIGRATIONS], logging: false });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
}

/** VACUUM ANALYZE and CHECKPOINT: planner statistics, no dead rows and no dirty pages of the seeding left. */
async function settle(db: Pool): Promise<void> {
  await db.query('VACUUM ANALYZE omise_webhook_events');
  await db.query('VACUUM ANALYZE omise_webhook_handler_runs');
  await db.query('CHECKPOINT');
}

/**
 * Empties the tables, then stores `count` pending events straight in SQL, as intake would have left
 * them: charge.create and charge.complete in turn, each its own charge, received a millisecond apart
 * ending now and due at once. Returns the seconds it took.
 */
export async function seedBacklog(db: Pool, factory: OmiseEventFactory, count: number, tag: string): Promise<number> {
  const start = performance.now();
  // The previous run's events, their handler runs and the charges their handlers wrote.
  await db.query('TRUNCATE omise_webhook_events, omise_webhook_handler_runs, charges');
  for (const [kind, key, parity] of [['create', 'charge.create', 1], ['complete', 'charge.complete', 0]] as const) {
    const template = factory.template(kind, EVENT_SLOT, CHARGE_SLOT);
    const sample = JSON.parse(template) as { livemode: boolean };
    await db.query(
      `INSERT INTO omise_webhook_events (event_id, event_key, livemode, raw_body, received_at, next_attempt_at, delivery_id, status, attempts, object_id)
       SELECT ids.event_id, $3, $4, replace(replace($1, $5, ids.event_id), $6, ids.charge_id), ids.at, ids.at, gen_random_uuid(), 'pending', 0, ids.charge_id
         FROM generate_series(1, $2::int) AS i,
              LATERAL (SELECT 'evnt_drain_' || $7 || '_' || i AS event_id, 'chrg_drain_' || $7 || '_' || i AS charge_id,
                              (extract(epoch FROM clock_timestamp()) * 1000)::bigint - ($2 - i) AS at) AS ids
        WHERE i % 2 = $8`,
      [template, count, key, sample.livemode, EVENT_SLOT, CHARGE_SLOT, tag, parity],
    );
  }
  await settle(db);
  return (performance.now() - start) / 1000;
}

/**
 * `count` events already processed, as a store a year into production holds: small bodies (the row
 * count and the indexes are what intake feels, not the bodies' bytes), spread over a year, one handler
 * run each. Returns the seconds it took.
 */
export async function seedHistory(db: Pool, count: number): Promise<number> {
  const start = performance.now();
  const yearMs = 365 * 24 * 3600 * 1000;
  await db.query(
    `INSERT INTO omise_webhook_events (event_id, event_key, livemode, raw_body, received_at, next_attempt_at, delivery_id, status, attempts, processed_at, object_id)
     SELECT 'evnt_old_' || i, 'charge.complete', false, '{"object":"event","id":"evnt_old_' || i || '"}', at, at, gen_random_uuid(), 'processed', 1, at + 50, 'chrg_old_' || i
       FROM generate_series(1, $1::int) AS i,
            LATERAL (SELECT (extract(epoch FROM now()) * 1000)::bigint - $2::bigint + (i::bigint * $2::bigint / $1::int) AS at) AS t`,
    [count, yearMs],
  );
  await db.query(
    `INSERT INTO omise_webhook_handler_runs (event_id, handler, status, attempts, updated_at)
     SELECT event_id, 'ChargeEventsListener.onCharge', 'succeeded', 1, processed_at FROM omise_webhook_events`,
  );
  await settle(db);
  return (performance.now() - start) / 1000;
}

export interface DrainOptions {
  label: string;
  /** A process that dispatches and serves no HTTP (the demo's worker entry). */
  entry: string;
  env: NodeJS.ProcessEnv;
  logPath: string;
  db: Pool;
  events: number;
  /** Stop timing after this long even if events are left (keeps the whole bench within its budget). */
  maxSec: number;
}

export interface DrainRun {
  events: number;
  /** Spawn to the first processed event (Nest boot, TypeORM connect, migrations check, first claim). */
  bootSec: number;
  /** drained: nothing left; capped: still going at `maxSec` (the rate is over what was done by then). */
  outcome: 'drained' | 'capped';
  drained: number;
  /** First → last `processed_at` of the rows (the worker's own clock): free of boot and of the bench's polls. */
  drainSec: number;
  eventsPerSec: number;
  rowsByStatus: Record<string, number>;
  /** Handler runs that took more than one attempt (a lease taken over, or a retry): should be 0. */
  handlerRunsRepeated: number;
  /** Charges the domain handlers wrote: one per event's charge. */
  chargeRows: number;
  resources: { serverCores: number; postgresCores: number; otherCores: number; cpuMsPerEvent: number };
  shutdown: ShutdownOutcome;
}

/** Starts the worker on a seeded table and waits until the backlog is gone. */
export async function runDrain(options: DrainOptions): Promise<DrainRun> {
  const { db, events } = options;
  const spawnedAt = performance.now();
  const server = startServer(options.label, options.entry, 0, options.env, options.logPath);
  const cpuStart = cpuSecondsOf(server.pid);
  const postgresStart = postgresCpuByPid();
  const machineStart = machineBusySeconds();
  const generatorStart = process.cpuUsage();
  let gone: string | undefined;
  void server.exited.then((how) => (gone = how));
  const left = async (): Promise<number> =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM omise_webhook_events WHERE status IN ${UNFINISHED}`)).rows[0].n;

  // A count every 250 ms is ~1 ms of PostgreSQL time each: a fraction of a percent of the drain's cost.
  let firstAt = NaN;
  let outcome: DrainRun['outcome'] = 'drained';
  let remaining = events;
  for (;;) {
    await sleep(250);
    if (gone !== undefined) throw new Error(`${options.label} exited while draining (${gone}):\n${logTail(server)}`);
    remaining = await left();
    if (Number.isNaN(firstAt) && remaining < events) firstAt = performance.now();
    if (remaining === 0) break;
    if (performance.now() - spawnedAt > options.maxSec * 1000) {
      outcome = 'capped';
      break;
    }
  }
  const wallSec = (performance.now() - spawnedAt) / 1000;
  const serverCpu = cpuSecondsOf(server.pid) - cpuStart;
  const postgresCpu = postgresCpuBetween(postgresStart, postgresCpuByPid());
  const generator = process.cpuUsage(generatorStart);
  const machine = machineBusySeconds() - machineStart;
  const shutdown = await stopServer(server);

  const { rows: statusRows } = await db.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM omise_webhook_events GROUP BY status ORDER BY status',
  );
  const { rows: span } = await db.query<{ first: string; last: string; n: number }>(
    'SELECT min(processed_at) AS first, max(processed_at) AS last, count(processed_at)::int AS n FROM omise_webhook_events',
  );
  const { rows: runs } = await db.query<{ repeated: number }>('SELECT count(*) FILTER (WHERE attempts > 1)::int AS repeated FROM omise_webhook_handler_runs');
  const { rows: charges } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM charges WHERE charge_id LIKE 'chrg_drain_%'");
  const drainSec = (Number(span[0].last) - Number(span[0].first)) / 1000;
  const drained = events - remaining;
  return {
    events,
    bootSec: (firstAt - spawnedAt) / 1000,
    outcome,
    drained,
    drainSec,
    eventsPerSec: (span[0].n - 1) / drainSec,
    rowsByStatus: Object.fromEntries(statusRows.map((row) => [row.status, row.n])),
    handlerRunsRepeated: runs[0].repeated,
    chargeRows: charges[0].n,
    resources: {
      serverCores: serverCpu / wallSec,
      postgresCores: postgresCpu / wallSec,
      otherCores: Math.max(0, (machine - serverCpu - postgresCpu - (generator.user + generator.system) / 1e6) / wallSec),
      cpuMsPerEvent: (serverCpu * 1000) / Math.max(1, drained),
    },
    shutdown,
  };
}
