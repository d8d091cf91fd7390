/**
 * `npm run bench`: the webhook app against a bare node:http + pg receiver, on the same PostgreSQL,
 * the same payloads and the same load generator, in one run of about two minutes.
 *
 *   a. durable-intake throughput, a distinct signed event per request (autocannon, 100 connections)
 *   b. latency at a steady 500 req/s (open-loop pacer; autocannon overallRate shown beside it)
 *   c. duplicate storm: 100 ids × 20 concurrent identical deliveries
 *   d. bad-signature rejections per second
 *   e. acknowledged-but-missing rows over everything acknowledged in a–c
 *   f. memory of the app process (VmRSS / VmHWM)
 *   g. drain rate: 20,000 events stored straight in the table, dispatched to one no-op `@OnEvent('**')`
 *      by the module's worker in a small host of its own (bench/drain-app.ts), once per
 *      `dispatch.concurrency` in BENCH_DRAIN_CONCURRENCY; held against the max intake rate of a.
 *
 * Runs compiled (`npm run build` first; `npm run bench` does both) so the app is measured as it would
 * be deployed: `node build/demo/main.js`, no ts-node compiler in its memory or its startup.
 *
 * Env (all optional): BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_DB
 * (default bench_omise; dropped and recreated, and BENCH_DB_drain for g), BENCH_SECONDS (length of each
 * timed phase, default 10), BENCH_DRAIN_EVENTS (default 20000), BENCH_DRAIN_CONCURRENCY (comma-separated
 * `dispatch.concurrency` values, default "8,32"; the first is held to the target; `32:32` also sets the
 * drain app's pg pool size), BENCH_DRAIN_MAX_SEC (cap per drain run, default 60).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import { migrate, runDrain, seedBacklog, type DrainRun } from './support/drain';
import { runDuplicateStorm, runFixed, runIntake, runPaced, type LoadRun, type PacedRun, type StormRun } from './support/load';
import { OmiseEventFactory } from './support/omise-events';
import {
  cpuSecondsOf,
  freePort,
  killAllOnExit,
  machineBusySeconds,
  logTail,
  memoryOf,
  postgresCpuSeconds,
  startServer,
  stopAll,
  waitUntilListening,
  type Server,
  type ShutdownOutcome,
} from './support/processes';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BENCH_DB = process.env.BENCH_DB ?? 'bench_omise';
const PHASE_SEC = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SEC = Math.min(3, PHASE_SEC);
const CONNECTIONS = 100;
const STEADY_RATE = 500;
const STORM_IDS = 100;
const STORM_COPIES = 20;
const WEBHOOK_PATH = '/webhooks/omise'; // the module's default; the baseline answers on any path
const DRAIN_EVENTS = Number(process.env.BENCH_DRAIN_EVENTS ?? 20_000);
/** `concurrency` or `concurrency:poolMax`; the first entry is the one held to the target. */
const DRAIN_CONFIGS = (process.env.BENCH_DRAIN_CONCURRENCY ?? '8,32')
  .split(',')
  .map((entry) => entry.trim())
  .filter((entry) => entry !== '')
  .map((entry) => {
    const [concurrency, poolMax] = entry.split(':').map(Number);
    if (!Number.isInteger(concurrency) || concurrency <= 0 || (poolMax !== undefined && !(Number.isInteger(poolMax) && poolMax > 0))) {
      throw new Error(`BENCH_DRAIN_CONCURRENCY: "${entry}" is not N or N:POOL`);
    }
    return { concurrency, poolMax };
  });
/** How often the drain's end is looked for: the drain time is late by up to this (plus the count query). */
const DRAIN_POLL_MS = 100;
const DRAIN_MAX_SEC = Number(process.env.BENCH_DRAIN_MAX_SEC ?? 60);
const DRAIN_STALL_SEC = 15;

/** What the figures are held to. Reported, never enforced: a miss does not fail the run. */
const TARGETS = {
  intakeRatioMin: 1.0,
  p99RatioMax: 1.5,
  missingMax: 0,
  appPeakRssMbMax: 150,
  /** g: the worker at its default concurrency must keep up with the fastest intake (a). */
  drainToIntakeMin: 1.0,
};

type TargetKey = 'app' | 'baseline';

interface Target {
  key: TargetKey;
  url: string;
  server: Server;
  table: string;
  /** Every event id either server answered 2xx, over all scenarios. */
  acknowledged: Set<string>;
  rssMaxSampledMb: number;
  rssAfterBootMb: number;
}

/** Where the CPU went during a phase, in cores (CPU seconds per wall second; the machine has cpus().length). */
interface PhaseResources {
  serverCores: number;
  postgresCores: number;
  generatorCores: number;
  /** Everything else that ran on the machine meanwhile (other people's tests, …): noise in the figures. */
  otherCores: number;
  serverRssAfterMb: number;
}
type Measured<T> = T & { resources: PhaseResources };

interface TargetResults {
  warmup: Measured<LoadRun>;
  intake: Measured<LoadRun>;
  steadyPaced: Measured<PacedRun>;
  steadyAutocannon: Measured<LoadRun>;
  duplicateStorm: Measured<StormRun> & { rowsStored: number };
  badSignature: Measured<LoadRun> & { rejectionsPerSec: number; rowsStored: number };
  durability: { acknowledgedIds: number; rowsFound: number; missing: number };
  memory: { rssAfterBootMb: number; rssMaxSampledMb: number; peakMb: number; rssAtEndMb: number };
  /** Rows per `status` at the end, where the table has that column (the app's dispatch state). */
  rowsByStatus?: Record<string, number>;
}

/** Runs one phase against one server and records the CPU each party used meanwhile. */
async function measured<T extends object>(server: Server, run: () => Promise<T>): Promise<Measured<T>> {
  const serverStart = cpuSecondsOf(server.pid);
  const postgresStart = postgresCpuSeconds();
  const generatorStart = process.cpuUsage();
  const machineStart = machineBusySeconds();
  const wallStart = performance.now();
  const result = await run();
  const wallSec = (performance.now() - wallStart) / 1000;
  const generator = process.cpuUsage(generatorStart);
  const serverCores = (cpuSecondsOf(server.pid) - serverStart) / wallSec;
  const postgresCores = (postgresCpuSeconds() - postgresStart) / wallSec;
  const generatorCores = (generator.user + generator.system) / 1e6 / wallSec;
  const machineCores = (machineBusySeconds() - machineStart) / wallSec;
  const resources: PhaseResources = {
    serverCores,
    postgresCores,
    generatorCores,
    otherCores: Math.max(0, machineCores - serverCores - postgresCores - generatorCores),
    serverRssAfterMb: memoryOf(server.pid)?.rssMb ?? NaN,
  };
  return { ...result, resources };
}

function repoRoot(): string {
  // build/bench/ when compiled, bench/ under ts-node: the root is the nearest folder with package.json.
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench: cannot find the project root');
    dir = parent;
  }
  return dir;
}

function progress(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)}  ${message}\n`);
}

async function recreateDatabase(name = BENCH_DB): Promise<{ url: string; serverVersion: string }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`BENCH_DB must be a plain identifier, got "${name}"`);
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    // FORCE: a previous run killed mid-way may have left connections open.
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    return { url: url.toString(), serverVersion: rows[0].server_version };
  } finally {
    await admin.end();
  }
}

async function main(): Promise<void> {
  killAllOnExit();
  const root = repoRoot();
  const appEntry = join(root, 'build', 'demo', 'main.js');
  const baselineEntry = join(root, 'build', 'bench', 'baseline-receiver.js');
  const drainEntry = join(root, 'build', 'bench', 'drain-app.js');
  for (const entry of [appEntry, baselineEntry, drainEntry]) {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` (or \`npm run bench\`, which does)`);
  }
  const startedAt = Date.now();
  const secret = randomBytes(32).toString('base64');
  const factory = new OmiseEventFactory(root, secret);
  const logDir = mkdtempSync(join(tmpdir(), 'omise-bench-'));

  const database = await recreateDatabase();
  progress(`database ${BENCH_DB} recreated (PostgreSQL ${database.serverVersion}); server logs in ${logDir}`);
  const env = { DATABASE_URL: database.url, OMISE_WEBHOOK_SECRET: secret, NODE_ENV: 'production' };
  const [appPort, baselinePort] = [await freePort(), await freePort()];
  const appServer = startServer('app', appEntry, appPort, env, join(logDir, 'app.log'));
  const baselineServer = startServer('baseline', baselineEntry, baselinePort, env, join(logDir, 'baseline.log'));
  const bootStart = Date.now();
  await Promise.all([waitUntilListening(appServer), waitUntilListening(baselineServer)]);
  progress(`both servers listening after ${Date.now() - bootStart} ms (app pid ${appServer.pid}, baseline pid ${baselineServer.pid})`);

  const target = (key: TargetKey, server: Server, table: string): Target => ({
    key,
    url: `http://127.0.0.1:${server.port}${WEBHOOK_PATH}`,
    server,
    table,
    acknowledged: new Set(),
    rssAfterBootMb: memoryOf(server.pid)?.rssMb ?? NaN,
    rssMaxSampledMb: 0,
  });
  const targets = [target('app', appServer, 'omise_webhook_events'), target('baseline', baselineServer, 'baseline_events')];

  // VmHWM gives the true peak; sampling VmRSS as well shows whether the peak is held or transient.
  const sampler = setInterval(() => {
    for (const t of targets) t.rssMaxSampledMb = Math.max(t.rssMaxSampledMb, memoryOf(t.server.pid)?.rssMb ?? 0);
  }, 250);
  sampler.unref();

  const db = new Pool({ connectionString: database.url, max: 2 });
  const rowsWithPrefix = async (t: Target, prefix: string): Promise<number> =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table} WHERE starts_with(event_id, $1)`, [prefix])).rows[0].n;
  // Flush dirty pages between runs so one server's checkpoint does not land in the other's measurement.
  const quiesce = async (): Promise<void> => {
    await db.query('CHECKPOINT');
  };

  // How far the app's dispatch worker is behind intake, if its table has a status column.
  const rowsByStatus = async (table: string): Promise<Record<string, number> | undefined> => {
    const { rows: columns } = await db.query('SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2', [table, 'status']);
    if (columns.length === 0) return undefined;
    const { rows } = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM ${table} GROUP BY status ORDER BY status`);
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  };

  const partial: Record<TargetKey, Partial<TargetResults>> = { app: {}, baseline: {} };
  let shutdown: Record<string, ShutdownOutcome> = {};
  try {
    for (const t of targets) {
      // One delivery first: a wrong secret or path should stop the run, not produce 10 s of 401s.
      const smoke = await runDuplicateStorm({ url: t.url, factory, label: `smoke${t.key}`, distinctIds: 1, copiesPerId: 1, acknowledged: t.acknowledged });
      if (smoke.ok2xx !== 1) {
        throw new Error(`${t.key}: a correctly signed delivery was not accepted (${JSON.stringify(smoke.statusCodes)}):\n${logTail(t.server)}`);
      }
    }

    for (const t of targets) {
      progress(`warm-up ${t.key} (${WARMUP_SEC} s)`);
      partial[t.key].warmup = await measured(t.server, () =>
        runIntake({ url: t.url, factory, label: `w${t.key}`, connections: CONNECTIONS, durationSec: WARMUP_SEC, acknowledged: t.acknowledged }),
      );
    }

    for (const t of targets) {
      await quiesce();
      progress(`a. intake throughput ${t.key} (${CONNECTIONS} connections, ${PHASE_SEC} s)`);
      const run = await measured(t.server, () =>
        runIntake({ url: t.url, factory, label: `a${t.key}`, connections: CONNECTIONS, durationSec: PHASE_SEC, acknowledged: t.acknowledged }),
      );
      partial[t.key].intake = run;
      progress(
        `   ${fmt(run.okPerSec, 0)} acknowledged req/s, non-2xx ${run.non2xx}, errors ${run.errors}, timeouts ${run.timeouts}; ` +
          `CPU cores: server ${fmt(run.resources.serverCores, 2)}, postgres ${fmt(run.resources.postgresCores, 2)}, generator ${fmt(run.resources.generatorCores, 2)}, other ${fmt(run.resources.otherCores, 2)}`,
      );
    }

    for (const t of targets) {
      await quiesce();
      progress(`b. latency ${t.key} at a steady ${STEADY_RATE} req/s, open loop (${PHASE_SEC} s)`);
      const run = await measured(t.server, () =>
        runPaced({ url: t.url, factory, label: `b${t.key}`, ratePerSec: STEADY_RATE, durationSec: PHASE_SEC, maxSockets: CONNECTIONS, acknowledged: t.acknowledged }),
      );
      partial[t.key].steadyPaced = run;
      progress(`   p50 ${fmt(run.latencyMs.p50, 2)} ms, p99 ${fmt(run.latencyMs.p99, 2)} ms, achieved ${fmt(run.achievedRate, 0)} req/s; other CPU ${fmt(run.resources.otherCores, 2)}`);
    }
    for (const t of targets) {
      await quiesce();
      progress(`b'. latency ${t.key} with autocannon overallRate ${STEADY_RATE} (${PHASE_SEC} s)`);
      const run = await measured(t.server, () =>
        runIntake({ url: t.url, factory, label: `r${t.key}`, connections: CONNECTIONS, durationSec: PHASE_SEC, overallRate: STEADY_RATE, acknowledged: t.acknowledged }),
      );
      partial[t.key].steadyAutocannon = run;
      progress(`   p50 ${fmt(run.latencyMs.p50, 2)} ms, p99 ${fmt(run.latencyMs.p99, 2)} ms`);
    }

    for (const t of targets) {
      await quiesce();
      progress(`c. duplicate storm ${t.key} (${STORM_IDS} ids × ${STORM_COPIES} concurrent copies)`);
      const label = `c${t.key}`;
      const run = await measured(t.server, () =>
        runDuplicateStorm({ url: t.url, factory, label, distinctIds: STORM_IDS, copiesPerId: STORM_COPIES, acknowledged: t.acknowledged }),
      );
      partial[t.key].duplicateStorm = { ...run, rowsStored: await rowsWithPrefix(t, factory.idPrefix(label)) };
    }

    for (const t of targets) {
      await quiesce();
      progress(`d. bad signatures ${t.key} (${CONNECTIONS} connections, ${PHASE_SEC} s)`);
      const delivery = factory.wronglySigned(factory.nextId(`d${t.key}`));
      const run = await measured(t.server, () => runFixed(t.url, delivery, CONNECTIONS, PHASE_SEC));
      const rows = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table} WHERE event_id = $1`, [delivery.id])).rows[0].n;
      const rejectionsPerSec = (run.statusCodes['401'] ?? 0) / run.durationSec;
      partial[t.key].badSignature = { ...run, rejectionsPerSec, rowsStored: rows };
      progress(`   ${fmt(rejectionsPerSec, 0)} rejections/s; CPU cores: server ${fmt(run.resources.serverCores, 2)}`);
    }

    for (const t of targets) {
      // e. Every id the server said 2xx to must have its row: a 2xx is a promise the event is stored.
      const ids = [...t.acknowledged];
      const found = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table} WHERE event_id = ANY($1::text[])`, [ids])).rows[0].n;
      partial[t.key].durability = { acknowledgedIds: ids.length, rowsFound: found, missing: ids.length - found };
      // f. Memory, read while the process is still up.
      const end = memoryOf(t.server.pid);
      partial[t.key].memory = {
        rssAfterBootMb: t.rssAfterBootMb,
        rssMaxSampledMb: Math.max(t.rssMaxSampledMb, end?.rssMb ?? 0),
        peakMb: end?.peakMb ?? NaN,
        rssAtEndMb: end?.rssMb ?? NaN,
      };
      partial[t.key].rowsByStatus = await rowsByStatus(t.table);
    }
  } finally {
    clearInterval(sampler);
    await db.end();
    // Stopped here, under the figures, to also see how each takes SIGTERM after the load.
    shutdown = await stopAll();
  }

  const results = { app: partial.app as TargetResults, baseline: partial.baseline as TargetResults };
  // g. After the intake servers are gone, so the drain has the machine and PostgreSQL to itself.
  const drain = await drainPhase(factory, secret, logDir, results.app.intake.okPerSec);
  const verdicts = judge(results, drain);
  const report = {
    meta: {
      date: new Date(startedAt).toISOString(),
      runtimeSec: Math.round((Date.now() - startedAt) / 1000),
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      postgres: database.serverVersion,
      commit: gitCommit(root),
      payloadBytes: Buffer.byteLength(factory.body(factory.nextId('size'))),
      settings: {
        phaseSec: PHASE_SEC,
        warmupSec: WARMUP_SEC,
        connections: CONNECTIONS,
        steadyRate: STEADY_RATE,
        stormIds: STORM_IDS,
        stormCopies: STORM_COPIES,
        drainEvents: DRAIN_EVENTS,
        drainConfigs: DRAIN_CONFIGS,
        drainPollMs: DRAIN_POLL_MS,
        drainMaxSec: DRAIN_MAX_SEC,
      },
      note: 'Load generator, both servers and PostgreSQL share the same machine; compare ratios, not absolutes across machines.',
    },
    targets: TARGETS,
    verdicts,
    results,
    drain,
    shutdown,
  };
  const resultsPath = join(root, 'bench', 'results.json');
  writeFileSync(resultsPath, JSON.stringify(report, null, 2) + '\n');
  printTable(results, verdicts);
  printDrain(drain);
  if (results.app.rowsByStatus) {
    const statuses = Object.entries(results.app.rowsByStatus).map(([status, n]) => `${status} ${n}`).join(', ');
    process.stdout.write(`\napp rows by dispatch status at the end: ${statuses}\n`);
  }
  for (const key of ['app', 'baseline'] as const) {
    const r = results[key];
    const phases = { warmup: r.warmup, a: r.intake, b: r.steadyPaced, "b'": r.steadyAutocannon, c: r.duplicateStorm, d: r.badSignature };
    const after = Object.entries(phases).map(([name, phase]) => `${name} ${fmt(phase.resources.serverRssAfterMb, 0)}`);
    process.stdout.write(`${key} RSS (MB) after each phase: ${after.join(', ')}\n`);
  }
  const disturbed = noisyPhases(results, drain);
  if (disturbed.length > 0) {
    process.stdout.write(
      `\nwarning: other processes used CPU during ${disturbed.join(', ')} (cores): this machine has ${cpus().length}, ` +
        'so those figures are pessimistic; rerun on a quiet machine to compare with confidence.\n',
    );
  }
  for (const [name, outcome] of Object.entries(shutdown)) {
    process.stdout.write(`${name} shutdown after SIGTERM: ${outcome.ended} in ${outcome.ms} ms${outcome.killed ? ' (SIGKILLed after the grace period)' : ''}\n`);
  }
  process.stdout.write(`\nfull results: ${resultsPath} (runtime ${report.meta.runtimeSec} s)\n`);
}

interface Verdict {
  name: string;
  value: number;
  target: string;
  met: boolean;
}

function judge(r: Record<TargetKey, TargetResults>, drain: DrainResults): Verdict[] {
  const intakeRatio = r.app.intake.okPerSec / r.baseline.intake.okPerSec;
  const p99Ratio = r.app.steadyPaced.latencyMs.p99 / r.baseline.steadyPaced.latencyMs.p99;
  const held = drain.runs[0];
  const drainRatio = held && 'eventsPerSec' in held ? held.eventsPerSec / drain.intakePerSec : NaN;
  return [
    { name: 'intake throughput, app/baseline', value: intakeRatio, target: `≥ ${TARGETS.intakeRatioMin}×`, met: intakeRatio >= TARGETS.intakeRatioMin },
    { name: 'p99 at 500 req/s, app/baseline', value: p99Ratio, target: `≤ ${TARGETS.p99RatioMax}×`, met: p99Ratio <= TARGETS.p99RatioMax },
    { name: 'acknowledged but missing rows (app)', value: r.app.durability.missing, target: `= ${TARGETS.missingMax}`, met: r.app.durability.missing <= TARGETS.missingMax },
    { name: 'peak RSS of the app (MB)', value: r.app.memory.peakMb, target: `≤ ${TARGETS.appPeakRssMbMax} MB`, met: r.app.memory.peakMb <= TARGETS.appPeakRssMbMax },
    {
      name: `drain rate (concurrency ${held?.concurrency ?? '?'}) / max intake (a)`,
      value: drainRatio,
      target: `≥ ${TARGETS.drainToIntakeMin}×`,
      // A capped or stalled drain did not empty the backlog: missed, whatever rate it reached.
      met: drainRatio >= TARGETS.drainToIntakeMin && held !== undefined && 'outcome' in held && held.outcome === 'drained',
    },
  ];
}

function cpuMsPerRequest(run: Measured<LoadRun>): number {
  return ((run.resources.serverCores + run.resources.postgresCores) * 1000) / run.okPerSec;
}

/** Phases during which something other than the bench, the server and PostgreSQL used ≥ 0.25 cores. */
function noisyPhases(r: Record<TargetKey, TargetResults>, drain: DrainResults): string[] {
  const noisy: string[] = [];
  for (const key of ['app', 'baseline'] as const) {
    const phases = { a: r[key].intake, b: r[key].steadyPaced, "b'": r[key].steadyAutocannon, c: r[key].duplicateStorm, d: r[key].badSignature };
    for (const [name, phase] of Object.entries(phases)) {
      if (phase.resources.otherCores >= 0.25) noisy.push(`${name} ${key} ${fmt(phase.resources.otherCores, 2)}`);
    }
  }
  for (const run of drain.runs) {
    if ('resources' in run && run.resources.otherCores >= 0.25) noisy.push(`g drain c${run.concurrency} ${fmt(run.resources.otherCores, 2)}`);
  }
  return noisy;
}

function fmt(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function printTable(r: Record<TargetKey, TargetResults>, verdicts: Verdict[]): void {
  const mark = (met: boolean): string => (met ? 'MET' : 'MISSED');
  const [intake, p99, missing, rss] = verdicts;
  // [metric, app, baseline, ratio digits (undefined: no ratio), target, verdict]
  const rows: Array<[string, number, number, number | undefined, string, string]> = [
    ['a. intake, acknowledged req/s', r.app.intake.okPerSec, r.baseline.intake.okPerSec, 2, intake.target, mark(intake.met)],
    ['   non-2xx responses', r.app.intake.non2xx, r.baseline.intake.non2xx, undefined, '0', ''],
    ['   errors + timeouts', r.app.intake.errors + r.app.intake.timeouts, r.baseline.intake.errors + r.baseline.intake.timeouts, undefined, '0', ''],
    ['   latency p99 under max load (ms)', r.app.intake.latencyMs.p99, r.baseline.intake.latencyMs.p99, 2, '', ''],
    ['   CPU cores: server', r.app.intake.resources.serverCores, r.baseline.intake.resources.serverCores, 2, '', ''],
    ['   CPU cores: postgres', r.app.intake.resources.postgresCores, r.baseline.intake.resources.postgresCores, 2, '', ''],
    ['   CPU cores: load generator', r.app.intake.resources.generatorCores, r.baseline.intake.resources.generatorCores, 2, '', ''],
    ['   CPU cores: other processes', r.app.intake.resources.otherCores, r.baseline.intake.resources.otherCores, undefined, '≈ 0', ''],
    // Cost per acknowledged event: unlike req/s, barely moved by whatever else shares the machine.
    ['   CPU ms/request: server + postgres', cpuMsPerRequest(r.app.intake), cpuMsPerRequest(r.baseline.intake), 2, '', ''],
    [`b. p50 @ ${STEADY_RATE} req/s open loop (ms)`, r.app.steadyPaced.latencyMs.p50, r.baseline.steadyPaced.latencyMs.p50, 2, '', ''],
    [`   p99 @ ${STEADY_RATE} req/s open loop (ms)`, r.app.steadyPaced.latencyMs.p99, r.baseline.steadyPaced.latencyMs.p99, 2, p99.target, mark(p99.met)],
    ['   achieved rate (req/s)', r.app.steadyPaced.achievedRate, r.baseline.steadyPaced.achievedRate, undefined, `${STEADY_RATE}`, ''],
    [`b'. p50 autocannon overallRate (ms)`, r.app.steadyAutocannon.latencyMs.p50, r.baseline.steadyAutocannon.latencyMs.p50, 2, 'bursty', ''],
    [`    p99 autocannon overallRate (ms)`, r.app.steadyAutocannon.latencyMs.p99, r.baseline.steadyAutocannon.latencyMs.p99, 2, 'bursty', ''],
    [`c. storm: rows stored (${STORM_IDS} ids)`, r.app.duplicateStorm.rowsStored, r.baseline.duplicateStorm.rowsStored, undefined, `= ${STORM_IDS}`, ''],
    [`   2xx of ${STORM_IDS * STORM_COPIES} deliveries`, r.app.duplicateStorm.ok2xx, r.baseline.duplicateStorm.ok2xx, undefined, `= ${STORM_IDS * STORM_COPIES}`, ''],
    ['   answered duplicate:false', r.app.duplicateStorm.storedAnswers, r.baseline.duplicateStorm.storedAnswers, undefined, `= ${STORM_IDS}`, ''],
    ['   storm wall time (s)', r.app.duplicateStorm.durationSec, r.baseline.duplicateStorm.durationSec, 2, '', ''],
    ['d. bad-signature 401/s', r.app.badSignature.rejectionsPerSec, r.baseline.badSignature.rejectionsPerSec, 2, '', ''],
    ['   non-401 answers', r.app.badSignature.requests - (r.app.badSignature.statusCodes['401'] ?? 0), r.baseline.badSignature.requests - (r.baseline.badSignature.statusCodes['401'] ?? 0), undefined, '0', ''],
    ['e. acknowledged ids (all scenarios)', r.app.durability.acknowledgedIds, r.baseline.durability.acknowledgedIds, undefined, '', ''],
    ['   acknowledged but missing rows', r.app.durability.missing, r.baseline.durability.missing, undefined, missing.target, mark(missing.met)],
    ['f. RSS after boot (MB)', r.app.memory.rssAfterBootMb, r.baseline.memory.rssAfterBootMb, 2, '', ''],
    ['   peak RSS, VmHWM (MB)', r.app.memory.peakMb, r.baseline.memory.peakMb, 2, rss.target, mark(rss.met)],
    ['   RSS at end (MB)', r.app.memory.rssAtEndMb, r.baseline.memory.rssAtEndMb, 2, '', ''],
  ];
  const header = ['metric', 'app', 'baseline', 'app/base', 'target', ''];
  const cells = rows.map(([name, app, base, ratioDigits, target, verdict]) => {
    const integral = Number.isInteger(app) && Number.isInteger(base);
    const digits = integral ? 0 : 1;
    return [name, fmt(app, digits), fmt(base, digits), ratioDigits === undefined ? '' : `${fmt(app / base, ratioDigits)}×`, target, verdict];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]): string =>
    row.map((cell, i) => (i === 0 || i >= 4 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

type DrainAttempt = DrainRun | { concurrency: number; poolMax?: number; error: string };

interface DrainResults {
  events: number;
  pollMs: number;
  /** Scenario a of this run: acknowledged req/s at 100 connections. */
  intakePerSec: number;
  /** One per BENCH_DRAIN_CONCURRENCY entry, in order; the first is judged. */
  runs: DrainAttempt[];
}

/**
 * g. Per configuration: empty the tables, store DRAIN_EVENTS pending events with SQL, start the drain
 * app, time it from its "ready" until nothing is pending/processing/failed. A failing configuration is
 * recorded and the others still run: the figures of a–f are not lost to a drain problem.
 */
async function drainPhase(factory: OmiseEventFactory, secret: string, logDir: string, intakePerSec: number): Promise<DrainResults> {
  const drainEntry = join(repoRoot(), 'build', 'bench', 'drain-app.js');
  const runs: DrainAttempt[] = [];
  const database = await recreateDatabase(`${BENCH_DB}_drain`);
  await migrate(database.url);
  const db = new Pool({ connectionString: database.url, max: 2 });
  try {
    for (const [index, config] of DRAIN_CONFIGS.entries()) {
      const label = `drain-c${config.concurrency}${config.poolMax ? `-pool${config.poolMax}` : ''}`;
      try {
        const seedSec = await seedBacklog(db, factory, DRAIN_EVENTS, `${index}`);
        progress(
          `g. drain ${DRAIN_EVENTS} stored events, dispatch.concurrency ${config.concurrency}, pool ${config.poolMax ?? 'default'} ` +
            `(seeded in ${fmt(seedSec, 1)} s; log ${label}.log)`,
        );
        const run = await runDrain({
          label,
          entry: drainEntry,
          env: { DATABASE_URL: database.url, OMISE_WEBHOOK_SECRET: secret, NODE_ENV: 'production' },
          logPath: join(logDir, `${label}.log`),
          db,
          events: DRAIN_EVENTS,
          concurrency: config.concurrency,
          poolMax: config.poolMax,
          pollMs: DRAIN_POLL_MS,
          maxSec: DRAIN_MAX_SEC,
          stallSec: DRAIN_STALL_SEC,
        });
        runs.push(run);
        progress(
          `   ${run.outcome}: ${run.drained} events in ${fmt(run.drainSec, 2)} s = ${fmt(run.eventsPerSec, 0)} events/s ` +
            `(${fmt(run.eventsPerSec / intakePerSec, 2)}× intake); CPU cores: app ${fmt(run.resources.serverCores, 2)}, ` +
            `postgres ${fmt(run.resources.postgresCores, 2)}, other ${fmt(run.resources.otherCores, 2)}`,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        progress(`   ${label} failed: ${message}`);
        runs.push({ ...config, error: message });
      }
    }
  } finally {
    await db.end();
  }
  return { events: DRAIN_EVENTS, pollMs: DRAIN_POLL_MS, intakePerSec, runs };
}

function printDrain(drain: DrainResults): void {
  const mark = (met: boolean): string => (met ? 'MET' : 'MISSED');
  process.stdout.write(
    `\ng. drain of ${drain.events} stored events, one no-op @OnEvent('**') handler, PostgreSQL; ` +
      `max intake (a) ${fmt(drain.intakePerSec, 0)} req/s\n` +
      `   drain time runs from the app's "ready" to the first poll (every ${drain.pollMs} ms) that finds nothing ` +
      `pending/processing/failed: up to ~${drain.pollMs} ms late, so ≤ ${fmt((drain.pollMs / 1000 / 10) * 100, 0)}% low on a 10 s drain; ` +
      `"by timestamps" is first → last processed_at of the rows, free of the poll.\n`,
  );
  const header = ['concurrency', 'pool', 'outcome', 'time (s)', 'events/s', 'by timestamps', 'drain/intake', 'target', ''];
  const cells = drain.runs.map((run, index) => {
    const name = `${run.concurrency}${index === 0 ? ' (judged)' : ''}`;
    const pool = String(run.poolMax ?? 'default (10)');
    if ('error' in run) return [name, pool, 'error', '', '', '', '', `≥ ${TARGETS.drainToIntakeMin}×`, 'MISSED'];
    const ratio = run.eventsPerSec / drain.intakePerSec;
    return [
      name,
      pool,
      run.outcome === 'drained' ? 'drained' : `${run.outcome} (${run.drained} done)`,
      fmt(run.drainSec, 2),
      fmt(run.eventsPerSec, 0),
      fmt(run.eventsPerSecByTimestamps, 0),
      `${fmt(ratio, 2)}×`,
      `≥ ${TARGETS.drainToIntakeMin}×`,
      mark(run.outcome === 'drained' && ratio >= TARGETS.drainToIntakeMin),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]): string =>
    row.map((cell, i) => (i >= 3 && i <= 6 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
  for (const run of drain.runs) {
    if ('error' in run) {
      process.stdout.write(`   concurrency ${run.concurrency}: ${run.error.split('\n')[0]}\n`);
      continue;
    }
    process.stdout.write(`   concurrency ${run.concurrency}, pool ${run.poolMax}: ${describeProfile(run)}\n`);
  }
}

/** Where a drain's time went, from the drain app's own timing of the worker's queries. */
function describeProfile(run: DrainRun): string {
  const q = run.profile?.queries;
  if (!q) return 'no profile from the drain app';
  const mean = (name: string): string => (q[name] && q[name].calls > 0 ? `${fmt(q[name].totalMs / q[name].calls, 2)} ms` : 'n/a');
  const wallMs = run.drainSec * 1000;
  // The worker claims one batch at a time and reads the succeeded handlers of the batch before the next
  // claim: the share of the drain that loop was busy is how close it is to being the bottleneck.
  const loopMs = (q.claim?.totalMs ?? 0) + (q.succeededHandlers?.totalMs ?? 0);
  const rowsPerClaim = q.claim && q.claim.calls > 0 ? (q.claim.rows ?? 0) / q.claim.calls : NaN;
  const pool = run.profile?.pool;
  const perSecond = run.perSecond.slice(0, -1); // the last second is partial
  return (
    `claim ${mean('claim')} × ${q.claim?.calls ?? 0} (${fmt(rowsPerClaim, 1)} rows each), succeededHandlers ${mean('succeededHandlers')}, ` +
    `recordHandlerRun ${mean('recordHandlerRun')}, finish ${mean('finish')} per call; claim loop busy ${fmt((loopMs / wallMs) * 100, 0)}% of the drain; ` +
    (pool ? `pool ${pool.size}: ${fmt(pool.meanBusy, 1)} connections busy, ${fmt(pool.meanWaiting, 1)} waiting (mean); ` : '') +
    `${fmt(run.database.commitsPerEvent, 2)} commits and ${fmt(run.database.walKbPerEvent, 1)} KB of WAL per event, ${fmt(run.database.walSyncsPerSec, 0)} WAL fsyncs/s; ` +
    (perSecond.length > 0 ? `events/s per second ${Math.min(...perSecond)}–${Math.max(...perSecond)}; ` : '') +
    `boot ${fmt(run.bootMs, 0)} ms`
  );
}

function gitCommit(root: string): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    // The app is built from the working tree: say so when src/ differs from the commit.
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} + uncommitted changes in src/` : commit;
  } catch {
    return 'unknown';
  }
}

main().catch(async (error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await stopAll();
  process.exit(1);
});
