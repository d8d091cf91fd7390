import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { OMISE_WEBHOOK_MIGRATIONS } from 'omise-nest-webhooks';
import type { DrainProfile } from '../drain-app';
import type { OmiseEventFactory } from './omise-events';
import { cpuSecondsOf, logTail, machineBusySeconds, postgresCpuSeconds, startServer, stopServer, type ShutdownOutcome } from './processes';

/** Rows the worker still has to deal with: not yet claimed, claimed and running, or waiting for a retry. */
const UNFINISHED = "('pending', 'processing', 'failed')";
const EVENT_SLOT = '@@DRAIN_EVENT_ID@@';
const CHARGE_SLOT = '@@DRAIN_CHARGE_ID@@';

/** The module's tables in a fresh database, by its own migrations (what the app runs at boot). */
export async function migrate(url: string): Promise<void> {
  const dataSource = new DataSource({ type: 'postgres', url, migrations: [...OMISE_WEBHOOK_MIGRATIONS], logging: false });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Empties both tables and stores `count` pending events straight in SQL, as intake would have left
 * them: a valid signed-shape Omise envelope in raw_body (the worker parses it again), a uuid
 * delivery_id, received_at a millisecond apart ending now (one order to claim them in), and
 * next_attempt_at = received_at (due at once; intake writes the same).
 * Then VACUUM ANALYZE and CHECKPOINT: the drain starts with planner statistics, no dead rows and no
 * dirty pages of the seeding left to flush.
 */
export async function seedBacklog(db: Pool, factory: OmiseEventFactory, count: number, tag: string): Promise<number> {
  const start = performance.now();
  const template = factory.template(EVENT_SLOT, CHARGE_SLOT);
  const sample = JSON.parse(template) as { key: string; livemode: boolean };
  await db.query('TRUNCATE omise_webhook_events, omise_webhook_handler_runs');
  await db.query(
    `INSERT INTO omise_webhook_events (event_id, event_key, livemode, raw_body, received_at, next_attempt_at, delivery_id, status, attempts)
     SELECT ids.event_id, $3, $4,
            replace(replace($1, $5, ids.event_id), $6, 'chrg_' || substr(ids.event_id, 6)),
            ids.at, ids.at, gen_random_uuid(), 'pending', 0
       FROM generate_series(1, $2::int) AS i,
            LATERAL (SELECT 'evnt_drain_' || $7 || '_' || i AS event_id, now() - ($2 - i) * interval '1 millisecond' AS at) AS ids`,
    [template, count, sample.key, sample.livemode, EVENT_SLOT, CHARGE_SLOT, tag],
  );
  await db.query('VACUUM ANALYZE omise_webhook_events');
  await db.query('VACUUM ANALYZE omise_webhook_handler_runs');
  await db.query('CHECKPOINT');
  return (performance.now() - start) / 1000;
}

export interface DrainOptions {
  label: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  logPath: string;
  db: Pool;
  events: number;
  concurrency: number;
  /** pg pool size of the drain app; undefined: pg's default (10), as the app has. */
  poolMax?: number;
  pollMs: number;
  /** Stop timing after this long even if events are left (keeps the whole bench within its budget). */
  maxSec: number;
  /** Give up when the unfinished count has not moved for this long. */
  stallSec: number;
}

export interface DrainRun {
  concurrency: number;
  poolMax: number | 'default (10)';
  events: number;
  /** Spawn to the app's "ready" message (Nest boot, TypeORM connect, migrations check). */
  bootMs: number;
  /** Rows already finished when the bench first counted after "ready" (the worker starts inside init). */
  doneAtReady: number;
  /**
   * drained: nothing left; capped: still going at `maxSec` (the rate is over what was done by then);
   * stalled: no progress for `stallSec` (the worker is failing: see the app log).
   */
  outcome: 'drained' | 'capped' | 'stalled';
  /** Events no longer pending/processing/failed when the timing ended. */
  drained: number;
  /**
   * From "ready" to the first poll that found nothing pending/processing/failed (or to the cap): the
   * end is late by up to one poll interval plus the poll query's own time.
   */
  drainSec: number;
  /** drained / drainSec. */
  eventsPerSec: number;
  pollMs: number;
  /**
   * The same rate from the rows' own timestamps (the worker's clock, ms): events after the first one
   * over first → last `processed_at`. Free of the poll interval and of boot.
   */
  processedSpanSec: number;
  eventsPerSecByTimestamps: number;
  /**
   * Events finished in each second from the first processed_at (the worker's clock): does the rate
   * change as the backlog shrinks? The last second is partial.
   */
  perSecond: number[];
  rowsByStatus: Record<string, number>;
  handlerRunsSucceeded: number;
  /** Rows whose handler ran more than once (a lease taken over, or a retry): should be 0. */
  handlerRunsRepeated: number;
  resources: { serverCores: number; postgresCores: number; otherCores: number };
  /**
   * From PostgreSQL's own counters over the drain (pg_stat_database, pg_stat_wal): transactions
   * committed in the drain database per event (the bench's polls, ~10/s, included) and WAL flushes to
   * disk per second, each a wait for fsync on a synchronous_commit=on server.
   */
  database: { commitsPerEvent: number; walSyncsPerSec: number; walKbPerEvent: number };
  shutdown: ShutdownOutcome;
  /** Polls that started after their slot (the previous poll or count overran): a coarser resolution. */
  latePolls: number;
  /** Where the worker's time went, as the drain app measured it (undefined if it did not answer). */
  profile?: DrainProfile;
}

/** Starts the drain app on a seeded table and times it until the backlog is gone. */
export async function runDrain(options: DrainOptions): Promise<DrainRun> {
  const { db, events, pollMs } = options;
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    DRAIN_CONCURRENCY: String(options.concurrency),
    ...(options.poolMax === undefined ? {} : { DRAIN_POOL_MAX: String(options.poolMax) }),
  };
  const spawnedAt = performance.now();
  const server = startServer(options.label, options.entry, 0, env, options.logPath, { ipc: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.label}: not ready within 60 s:\n${logTail(server)}`)), 60_000);
    server.child.on('message', (message: { type?: string }) => {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    void server.exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${options.label} exited before it was ready (${how}):\n${logTail(server)}`));
    });
  });
  const readyAt = performance.now();
  const countersStart = await pgCounters(db);
  const serverCpuStart = cpuSecondsOf(server.pid);
  const postgresStart = postgresCpuSeconds();
  const machineStart = machineBusySeconds();
  const generatorStart = process.cpuUsage();

  // The end is looked for every pollMs with an EXISTS that an index answers in well under a millisecond;
  // a count(*) (ms, in proportion to what is left) only every second, for progress and stall detection.
  // A count every 100 ms by sequential scan cost PostgreSQL ~15 ms a time: 0.15 of a core taken from the
  // drain it was measuring. The session leaves seq scans out: its statistics, taken when every row was
  // pending, would pick them.
  const poller = await db.connect();
  let latePolls = 0;
  let outcome: DrainRun['outcome'] = 'drained';
  let endedAt = NaN;
  let left: number;
  let leftAtReady: number;
  try {
    await poller.query('SET enable_seqscan = off');
    const anyLeft = async (): Promise<boolean> =>
      (await poller.query<{ left: boolean }>(`SELECT EXISTS (SELECT 1 FROM omise_webhook_events WHERE status IN ${UNFINISHED}) AS left`)).rows[0]
        .left;
    const countLeft = async (): Promise<number> =>
      (await poller.query<{ n: number }>(`SELECT count(*)::int AS n FROM omise_webhook_events WHERE status IN ${UNFINISHED}`)).rows[0].n;
    left = leftAtReady = await countLeft();
    let lastChangeAt = performance.now();
    const deadline = readyAt + options.maxSec * 1000;
    const countEvery = Math.max(1, Math.round(1000 / pollMs));
    for (let tick = 1; ; tick++) {
      // Fixed cadence: the next poll at the next multiple of pollMs after ready, not pollMs after this one.
      const next = readyAt + tick * pollMs;
      if (next < performance.now()) latePolls++;
      await sleep(Math.max(0, next - performance.now()));
      const stillLeft = await anyLeft();
      const now = performance.now();
      endedAt = now;
      if (!stillLeft) {
        left = 0;
        break;
      }
      if (tick % countEvery === 0) {
        const count = await countLeft();
        if (count !== left) lastChangeAt = now;
        left = count;
        if (now - lastChangeAt > options.stallSec * 1000) {
          outcome = 'stalled';
          break;
        }
      }
      if (now > deadline) {
        outcome = 'capped';
        left = await countLeft();
        break;
      }
    }
  } finally {
    await poller.query('RESET enable_seqscan').catch(() => undefined);
    poller.release();
  }
  const wallSec = (endedAt - readyAt) / 1000;
  const serverCores = (cpuSecondsOf(server.pid) - serverCpuStart) / wallSec;
  const postgresCores = (postgresCpuSeconds() - postgresStart) / wallSec;
  const generator = process.cpuUsage(generatorStart);
  const machineCores = (machineBusySeconds() - machineStart) / wallSec;
  const otherCores = Math.max(0, machineCores - serverCores - postgresCores - (generator.user + generator.system) / 1e6 / wallSec);
  const profile = await askProfile(server.child);
  const shutdown = await stopServer(server);
  // After the app's connections closed: a backend reports its counters when it goes idle or exits.
  const countersEnd = await pgCounters(db);

  const { rows: statusRows } = await db.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM omise_webhook_events GROUP BY status ORDER BY status',
  );
  const { rows: span } = await db.query<{ first: Date; last: Date; n: number }>(
    `SELECT min(processed_at) AS first, max(processed_at) AS last, count(processed_at)::int AS n FROM omise_webhook_events`,
  );
  const { rows: runs } = await db.query<{ ok: number; repeated: number }>(
    `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS ok, count(*) FILTER (WHERE attempts > 1)::int AS repeated FROM omise_webhook_handler_runs`,
  );
  const processedSpanSec = span[0].n > 1 ? (span[0].last.getTime() - span[0].first.getTime()) / 1000 : NaN;

  // Finished per second of the worker's clock, from the first processed_at on.
  const { rows: seconds } = await db.query<{ s: number; n: number }>(
    `SELECT floor(extract(epoch FROM processed_at - $1::timestamptz))::int AS s, count(*)::int AS n
       FROM omise_webhook_events WHERE processed_at IS NOT NULL GROUP BY 1 ORDER BY 1`,
    [span[0].first],
  );
  const perSecond: number[] = [];
  for (const { s, n } of seconds) perSecond[s] = n;
  for (let i = 0; i < perSecond.length; i++) perSecond[i] ??= 0;

  return {
    concurrency: options.concurrency,
    poolMax: options.poolMax ?? 'default (10)',
    events,
    bootMs: readyAt - spawnedAt,
    doneAtReady: events - leftAtReady,
    outcome,
    drained: events - left,
    drainSec: wallSec,
    eventsPerSec: (events - left) / wallSec,
    pollMs,
    processedSpanSec,
    eventsPerSecByTimestamps: (span[0].n - 1) / processedSpanSec,
    perSecond,
    rowsByStatus: Object.fromEntries(statusRows.map((row) => [row.status, row.n])),
    handlerRunsSucceeded: runs[0].ok,
    handlerRunsRepeated: runs[0].repeated,
    resources: { serverCores, postgresCores, otherCores },
    database: {
      commitsPerEvent: (countersEnd.commits - countersStart.commits) / Math.max(1, events - left),
      walSyncsPerSec: (countersEnd.walSyncs - countersStart.walSyncs) / wallSec,
      walKbPerEvent: (countersEnd.walBytes - countersStart.walBytes) / 1024 / Math.max(1, events - left),
    },
    shutdown,
    latePolls,
    profile,
  };
}

async function pgCounters(db: Pool): Promise<{ commits: number; walSyncs: number; walBytes: number }> {
  const { rows } = await db.query<{ commits: string; wal_sync: string; wal_bytes: string }>(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits, wal_sync, wal_bytes FROM pg_stat_wal`,
  );
  return { commits: Number(rows[0].commits), walSyncs: Number(rows[0].wal_sync), walBytes: Number(rows[0].wal_bytes) };
}

function askProfile(child: ChildProcess): Promise<DrainProfile | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(undefined);
    }, 2_000);
    const onMessage = (message: { type?: string; profile?: DrainProfile }): void => {
      if (message?.type !== 'profile') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.profile);
    };
    child.on('message', onMessage);
    child.send({ type: 'profile' });
  });
}
