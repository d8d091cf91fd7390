/**
 * `npm run bench`: the whole demo app, its domain handlers running, against a bare node:http + pg
 * receiver (bench/baseline-receiver.ts), on the same PostgreSQL, with the same charge.create and
 * charge.complete payloads, loaded by one generator in a process of its own. About six minutes.
 *
 *   0. the generator's ceiling: each load shape against a server that answers 200 without work
 *   1. rounds (BENCH_ROUNDS, default 3), the order of the servers rotated each round:
 *      - max durable intake, closed loop: the app (its worker draining meanwhile), the app on a table
 *        that already holds 1,000,000 events, the split deployment (web + worker processes), the
 *        baseline; CPU per event counted until each app's backlog is drained (intake + dispatch)
 *      - a steady 500 req/s, open loop: p50/p99 and the event loop's delay (perf_hooks) in each server
 *      - bad-signature rejections
 *   2. duplicate storm, and every acknowledged id looked up in its table
 *   3. drain of a 20,000-event backlog by the demo's worker entry, domain handlers (BENCH_ROUNDS times)
 *   4. a CPU profile of the app at max load: self time by package and module folder
 *
 * Figures are medians of per-round ratios (app ÷ the baseline of the same round). The machine is
 * shared: every phase records the CPU each party took and what other processes took meanwhile, and a
 * phase that came within 80 % of the generator's ceiling is flagged.
 *
 * Env (all optional): BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_DB
 * (prefix of the databases it drops and recreates, default bench_omise), BENCH_SECONDS (each timed
 * phase, default 8), BENCH_ROUNDS (default 3), BENCH_HISTORY_ROWS (default 1000000), BENCH_DRAIN_EVENTS
 * (default 20000).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Pool } from 'pg';
import { migrate, runDrain, seedBacklog, seedHistory, type DrainRun } from './support/drain';
import { LoadGenerator, type LoadJob, type ResultOf } from './support/generator';
import type { LoadRun, PacedRun, StormRun } from './support/load';
import type { LoopDelay } from './support/loop-probe';
import { OmiseEventFactory } from './support/omise-events';
import {
  ask,
  cpuSecondsOf,
  freePort,
  killAllOnExit,
  logTail,
  machineBusySeconds,
  memoryOf,
  postgresCpuByPid,
  postgresCpuBetween,
  startServer,
  stopAll,
  stopServer,
  waitUntilListening,
  type Server,
} from './support/processes';
import { profileShares, type ProfileShare } from './support/profile';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DB_PREFIX = process.env.BENCH_DB ?? 'bench_omise';
const PHASE_SEC = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const HISTORY_ROWS = Number(process.env.BENCH_HISTORY_ROWS ?? 1_000_000);
const DRAIN_EVENTS = Number(process.env.BENCH_DRAIN_EVENTS ?? 20_000);
const WARMUP_SEC = 3;
const BAD_SIGNATURE_SEC = 5;
/** As the outside harness: 50 connections, one request in flight on each. */
const CONNECTIONS = 50;
const STEADY_RATE = 500;
const STORM_IDS = 100;
const STORM_COPIES = 20;
/** How long an app may take to work off a phase's backlog before the bench goes on without it. */
const BACKLOG_MAX_SEC = 120;
const WEBHOOK_PATH = '/webhooks/omise'; // the module's default; the baseline answers on any path
/** A phase whose request rate came this close to the generator's ceiling measured the generator. */
const CEILING_SHARE = 0.8;
const NOISE_CORES = 0.25;

/** The targets. Reported, never enforced: a miss does not fail the run. */
const TARGETS = {
  intakeRatioMin: 1.0,
  p99RatioMax: 1.5,
  p50RatioMax: 2.0,
  drainRatioMin: 1.0,
  cpuRatioMax: 2.0,
  badSignatureRatioMin: 0.5,
  peakRssMbMax: 150,
  historyRatioMin: 0.9,
  loopP99MsMax: 20,
};

type TargetName = 'app' | 'history' | 'split' | 'baseline';
type Ceiling = Record<'intake' | 'badSignature', LoadRun>;

/** One system under test: its processes (the first takes the requests), its database, its table. */
interface Target {
  name: TargetName;
  label: string;
  url: string;
  processes: Server[];
  db: Pool;
  table: string;
  /** Whether stored events wait for a worker (the app's shapes) or are done once stored (the baseline). */
  dispatches: boolean;
  acknowledged: Set<string>;
}

interface Resources {
  wallSec: number;
  /** CPU seconds of the target's own processes, over the phase (and its backlog, where counted). */
  serverCpuSec: number;
  serverCores: number;
  postgresCores: number;
  generatorCores: number;
  /** Everything else that ran on the machine meanwhile (other people's work): noise in the figures. */
  otherCores: number;
}

interface PhaseRecord<R> {
  round: number;
  target: TargetName;
  run: R;
  /** During the load only. */
  resources: Resources;
  /** From the load's start until the target's backlog was empty (dispatching targets), else = resources. */
  withBacklog: Resources & { backlogSec: number; events: number; cpuMsPerEvent: number };
  loop?: LoopDelay;
  /** Answered requests per second over the generator's ceiling for this load shape (closed loop only). */
  ofCeiling?: number;
  /** Rows stored with the id of the wrongly signed event (bad-signature phases): must be 0. */
  forgedRowsStored?: number;
}

function progress(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)}  ${message}\n`);
}

function fmt(value: number | undefined, digits: number): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function median(values: number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

function repoRoot(): string {
  // build/bench/ when compiled: the root is the nearest folder with package.json.
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench: cannot find the project root');
    dir = parent;
  }
  return dir;
}

async function recreateDatabase(name: string): Promise<{ url: string; serverVersion: string }> {
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

/** CPU counters of everything the bench can tell apart, read at once. */
interface Snapshot {
  at: number;
  server: number;
  postgres: Map<number, number>;
  generator: number;
  machine: number;
}

function snapshot(processes: Server[], generator: LoadGenerator): Snapshot {
  return {
    at: performance.now(),
    server: processes.reduce((sum, server) => sum + cpuSecondsOf(server.pid), 0),
    postgres: postgresCpuByPid(),
    generator: cpuSecondsOf(generator.pid),
    machine: machineBusySeconds(),
  };
}

function resourcesBetween(start: Snapshot, end: Snapshot): Resources {
  const wallSec = (end.at - start.at) / 1000;
  const server = end.server - start.server;
  const postgres = postgresCpuBetween(start.postgres, end.postgres);
  const generator = end.generator - start.generator;
  return {
    wallSec,
    serverCpuSec: server,
    serverCores: server / wallSec,
    postgresCores: postgres / wallSec,
    generatorCores: generator / wallSec,
    otherCores: Math.max(0, (end.machine - start.machine - server - postgres - generator) / wallSec),
  };
}

async function unfinished(target: Target): Promise<number> {
  if (!target.dispatches) return 0;
  const { rows } = await target.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM omise_webhook_events WHERE status IN ('pending', 'processing', 'failed')",
  );
  return rows[0].n;
}

/** Polls until the target's worker has nothing left (or BACKLOG_MAX_SEC passed), calling `onPoll` after each wait. */
async function backlogWorkedOff(target: Target, onPoll: () => void = () => undefined): Promise<void> {
  const start = performance.now();
  while ((await unfinished(target)) > 0 && performance.now() - start < BACKLOG_MAX_SEC * 1000) {
    await sleep(100);
    onPoll();
  }
}

class Bench {
  readonly phases: { intake: PhaseRecord<LoadRun>[]; steady: PhaseRecord<PacedRun>[]; badSignature: PhaseRecord<LoadRun>[] } = {
    intake: [],
    steady: [],
    badSignature: [],
  };
  private readonly rss = new Map<number, number>();
  private readonly sampler: NodeJS.Timeout;

  constructor(
    readonly generator: LoadGenerator,
    readonly targets: Target[],
    /** The generator against the null server, per closed-loop load shape. */
    readonly ceiling: Ceiling,
  ) {
    // VmHWM gives each process's true peak; sampled VmRSS shows whether the peak is held or transient.
    this.sampler = setInterval(() => {
      for (const target of targets) for (const server of target.processes) this.rss.set(server.pid, Math.max(this.rss.get(server.pid) ?? 0, memoryOf(server.pid)?.rssMb ?? 0));
    }, 250);
    this.sampler.unref();
  }

  sampledRssMb(server: Server): number {
    return this.rss.get(server.pid) ?? NaN;
  }

  stopSampling(): void {
    clearInterval(this.sampler);
  }

  /**
   * One load job against one target: CPU of every party over the load, the event loop's delay in the
   * process taking requests, then (for a dispatching target) CPU until its backlog is worked off, so
   * that CPU per event covers intake and dispatch.
   */
  async phase<J extends LoadJob>(round: number, target: Target, job: J): Promise<PhaseRecord<ResultOf<J>>> {
    // Flush dirty pages first so one target's checkpoint does not land in the next one's measurement.
    await target.db.query('CHECKPOINT');
    const front = target.processes[0];
    await ask(front, { type: 'loop-reset' }, 'loop-reset-done');
    const start = snapshot(target.processes, this.generator);
    const { result, acknowledged, eventId: forgedId } = await this.generator.run(job);
    const end = snapshot(target.processes, this.generator);
    const loop = (await ask<{ delay: LoopDelay }>(front, { type: 'loop-read' }, 'loop'))?.delay;
    for (const id of acknowledged) target.acknowledged.add(id);
    let last = end;
    await backlogWorkedOff(target, () => (last = snapshot(target.processes, this.generator)));
    const backlogSec = (last.at - end.at) / 1000;
    const withBacklog = resourcesBetween(start, last);
    const events = 'ok2xx' in result ? result.ok2xx : 0;
    const answered = 'timeouts' in result ? result.requests - result.errors - result.timeouts : NaN;
    const ceiling = job.type === 'intake' || job.type === 'badSignature' ? this.ceiling[job.type] : undefined;
    return {
      round,
      target: target.name,
      run: result,
      resources: resourcesBetween(start, end),
      withBacklog: { ...withBacklog, backlogSec, events, cpuMsPerEvent: (withBacklog.serverCpuSec * 1000) / events },
      loop,
      ofCeiling: ceiling ? answered / result.durationSec / ((ceiling.requests - ceiling.errors - ceiling.timeouts) / ceiling.durationSec) : undefined,
      forgedRowsStored:
        forgedId === undefined
          ? undefined
          : (await target.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${target.table} WHERE event_id = $1`, [forgedId])).rows[0].n,
    };
  }
}

async function main(): Promise<void> {
  killAllOnExit();
  const root = repoRoot();
  const entry = (path: string): string => {
    const file = join(root, 'build', path);
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build:demo\` (or \`npm run bench\`, which does)`);
    return file;
  };
  const appEntry = entry('demo/main.js');
  const workerEntry = entry('demo/worker.js');
  const baselineEntry = entry('bench/baseline-receiver.js');
  const nullEntry = entry('bench/null-receiver.js');
  const probe = entry('bench/support/loop-probe.js');
  const startedAt = Date.now();
  const secret = randomBytes(32).toString('base64');
  const runTag = randomBytes(4).toString('hex');
  const factory = new OmiseEventFactory(root, secret, runTag);
  const logDir = mkdtempSync(join(tmpdir(), 'omise-bench-'));
  const generator = LoadGenerator.start(entry('bench/support/generator.js'), { root, secret, runTag });
  const baseEnv = { OMISE_WEBHOOK_SECRET: secret, NODE_ENV: 'production' };
  const probed = { ipc: true, nodeArgs: ['--require', probe] };
  progress(`server logs in ${logDir}; load generator pid ${generator.pid}`);

  // 0. The generator's ceiling, before anything else runs.
  const nullServer = startServer('null', nullEntry, await freePort(), {}, join(logDir, 'null.log'));
  await waitUntilListening(nullServer);
  const nullUrl = `http://127.0.0.1:${nullServer.port}${WEBHOOK_PATH}`;
  const ceiling: Ceiling = {
    intake: (await generator.run({ type: 'intake', url: nullUrl, label: 'ceiling', connections: CONNECTIONS, durationSec: PHASE_SEC })).result,
    badSignature: (await generator.run({ type: 'badSignature', url: nullUrl, label: 'ceilingbad', connections: CONNECTIONS, durationSec: BAD_SIGNATURE_SEC })).result,
  };
  await stopServer(nullServer);
  progress(`generator ceiling: ${fmt(ceiling.intake.requests / ceiling.intake.durationSec, 0)} signed events/s, ${fmt(ceiling.badSignature.requests / ceiling.badSignature.durationSec, 0)} fixed requests/s`);

  // The databases: one per target, so each backlog and each table is its own.
  const databases = {
    baseline: await recreateDatabase(`${DB_PREFIX}_baseline`),
    app: await recreateDatabase(`${DB_PREFIX}_app`),
    history: await recreateDatabase(`${DB_PREFIX}_history`),
    split: await recreateDatabase(`${DB_PREFIX}_split`),
  };
  const serverVersion = databases.baseline.serverVersion;
  await migrate(databases.history.url);
  {
    const db = new Pool({ connectionString: databases.history.url, max: 1 });
    progress(`storing ${HISTORY_ROWS} processed events in ${DB_PREFIX}_history`);
    const seconds = await seedHistory(db, HISTORY_ROWS);
    await db.end();
    progress(`   done in ${fmt(seconds, 1)} s`);
  }

  const start = async (name: string, script: string, url: string, env: NodeJS.ProcessEnv = {}): Promise<Server> =>
    startServer(name, script, await freePort(), { ...baseEnv, DATABASE_URL: url, ...env }, join(logDir, `${name}.log`), probed);
  const baseline = await start('baseline', baselineEntry, databases.baseline.url);
  const app = await start('app', appEntry, databases.app.url);
  const history = await start('history', appEntry, databases.history.url);
  const splitWeb = await start('split-web', appEntry, databases.split.url, { OMISE_WEBHOOK_DISPATCH: 'off' });
  await Promise.all([baseline, app, history, splitWeb].map((server) => waitUntilListening(server)));
  // The worker after the web instance has migrated the database.
  const splitWorker = await start('split-worker', workerEntry, databases.split.url);

  const target = (name: TargetName, label: string, processes: Server[], url: string, table: string, dispatches: boolean): Target => ({
    name,
    label,
    url: `http://127.0.0.1:${processes[0].port}${WEBHOOK_PATH}`,
    processes,
    db: new Pool({ connectionString: url, max: 2 }),
    table,
    dispatches,
    acknowledged: new Set(),
  });
  const targets: Target[] = [
    target('app', 'app (one process)', [app], databases.app.url, 'omise_webhook_events', true),
    target('history', `app, ${HISTORY_ROWS / 1e6}M rows stored`, [history], databases.history.url, 'omise_webhook_events', true),
    target('split', 'split (web + worker)', [splitWeb, splitWorker], databases.split.url, 'omise_webhook_events', true),
    target('baseline', 'bare receiver', [baseline], databases.baseline.url, 'baseline_events', false),
  ];
  const bench = new Bench(generator, targets, ceiling);

  const drains: DrainRun[] = [];
  let profile: { busyMs: number; shares: ProfileShare[]; events: number } | undefined;
  const storms: Record<string, StormRun & { rowsStored: number }> = {};
  const durability: Record<string, { acknowledged: number; missing: number }> = {};
  const memory: Record<string, { peakMb: number; sampledMaxMb: number }> = {};
  try {
    for (const t of targets) {
      // One delivery first: a wrong secret or path should stop the run, not produce seconds of 401s.
      const smoke = await generator.run({ type: 'storm', url: t.url, label: `smoke${t.name}`, distinctIds: 1, copiesPerId: 1 });
      if (smoke.result.ok2xx !== 1) throw new Error(`${t.name}: a signed delivery was not accepted (${JSON.stringify(smoke.result.statusCodes)}):\n${logTail(t.processes[0])}`);
      progress(`warm-up ${t.label} (${WARMUP_SEC} s)`);
      await bench.phase(0, t, { type: 'intake', url: t.url, label: `w${t.name}`, connections: CONNECTIONS, durationSec: WARMUP_SEC });
    }

    for (let round = 1; round <= ROUNDS; round++) {
      // Rotated each round: no target always goes first, or always follows the same one.
      const rotate = <T>(list: T[]): T[] => list.map((_, i) => list[(i + round - 1) % list.length]);
      for (const t of rotate(targets)) {
        const record = await bench.phase(round, t, { type: 'intake', url: t.url, label: `a${round}${t.name}`, connections: CONNECTIONS, durationSec: PHASE_SEC });
        bench.phases.intake.push(record);
        progress(
          `round ${round} max intake  ${t.label.padEnd(24)} ${fmt(record.run.okPerSec, 0).padStart(5)} stored/s, non-2xx ${record.run.non2xx}, ` +
            `backlog drained in ${fmt(record.withBacklog.backlogSec, 1)} s, ${fmt(record.withBacklog.cpuMsPerEvent, 2)} CPU ms/event, ` +
            `other CPU ${fmt(record.resources.otherCores, 2)}`,
        );
      }
      for (const t of rotate(targets.filter((t) => t.name !== 'history'))) {
        const record = await bench.phase(round, t, {
          type: 'paced',
          url: t.url,
          label: `b${round}${t.name}`,
          ratePerSec: STEADY_RATE,
          durationSec: PHASE_SEC,
          maxSockets: 200,
        });
        bench.phases.steady.push(record);
        progress(
          `round ${round} ${STEADY_RATE} req/s    ${t.label.padEnd(24)} p50 ${fmt(record.run.latencyMs.p50, 1)} ms, p99 ${fmt(record.run.latencyMs.p99, 1)} ms, ` +
            `loop delay p99 ${fmt(record.loop?.p99Ms, 1)} ms, ${fmt(record.withBacklog.cpuMsPerEvent, 2)} CPU ms/event, other CPU ${fmt(record.resources.otherCores, 2)}`,
        );
      }
      for (const t of rotate(targets.filter((t) => t.name === 'app' || t.name === 'baseline'))) {
        const record = await bench.phase(round, t, { type: 'badSignature', url: t.url, label: `d${round}${t.name}`, connections: CONNECTIONS, durationSec: BAD_SIGNATURE_SEC });
        bench.phases.badSignature.push(record);
        progress(`round ${round} bad signature ${t.label.padEnd(22)} ${fmt((record.run.statusCodes['401'] ?? 0) / record.run.durationSec, 0)} 401/s`);
      }
    }

    for (const t of targets.filter((t) => t.name === 'app' || t.name === 'baseline')) {
      const { result, acknowledged } = await generator.run({ type: 'storm', url: t.url, label: `c${t.name}`, distinctIds: STORM_IDS, copiesPerId: STORM_COPIES });
      for (const id of acknowledged) t.acknowledged.add(id);
      const rows = (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table} WHERE starts_with(event_id, $1)`, [factory.idPrefix(`c${t.name}`)])).rows[0].n;
      storms[t.name] = { ...result, rowsStored: rows };
    }
    for (const t of targets) {
      // A 2xx is a promise that the event is stored: every acknowledged id must have its row.
      const ids = [...t.acknowledged];
      const found = (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table} WHERE event_id = ANY($1::text[])`, [ids])).rows[0].n;
      durability[t.name] = { acknowledged: ids.length, missing: ids.length - found };
      for (const server of t.processes) memory[server.name] = { peakMb: memoryOf(server.pid)?.peakMb ?? NaN, sampledMaxMb: bench.sampledRssMb(server) };
    }
  } finally {
    bench.stopSampling();
    await Promise.all(targets.map((t) => t.db.end()));
    await stopAll();
  }

  try {
    // 3. The drain, with the intake servers gone: the worker has the machine and PostgreSQL to itself.
    const drainDb = await recreateDatabase(`${DB_PREFIX}_drain`);
    await migrate(drainDb.url);
    const db = new Pool({ connectionString: drainDb.url, max: 2 });
    for (let round = 1; round <= ROUNDS; round++) {
      const seeded = await seedBacklog(db, factory, DRAIN_EVENTS, String(round));
      const run = await runDrain({
        label: `drain${round}`,
        entry: workerEntry,
        env: { ...baseEnv, DATABASE_URL: drainDb.url },
        logPath: join(logDir, `drain${round}.log`),
        db,
        events: DRAIN_EVENTS,
        maxSec: 180,
      });
      drains.push(run);
      progress(
        `drain ${round}: ${run.outcome}, ${run.drained} events in ${fmt(run.drainSec, 1)} s = ${fmt(run.eventsPerSec, 0)}/s (seeded in ${fmt(seeded, 1)} s), ` +
          `${fmt(run.resources.cpuMsPerEvent, 2)} CPU ms/event, ${run.chargeRows} charges written, other CPU ${fmt(run.resources.otherCores, 2)}`,
      );
    }
    await db.end();

    // 4. A CPU profile of the app at max load, on a fresh database (the profiler costs a few percent).
    const profileDb = await recreateDatabase(`${DB_PREFIX}_profile`);
    const profileDir = mkdtempSync(join(tmpdir(), 'omise-bench-profile-'));
    const profiled = startServer('profiled', appEntry, await freePort(), { ...baseEnv, DATABASE_URL: profileDb.url }, join(logDir, 'profiled.log'), {
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    });
    await waitUntilListening(profiled);
    const profiledUrl = `http://127.0.0.1:${profiled.port}${WEBHOOK_PATH}`;
    const profiledDb = new Pool({ connectionString: profileDb.url, max: 1 });
    const profiledTarget: Target = { name: 'app', label: 'profiled', url: profiledUrl, processes: [profiled], db: profiledDb, table: 'omise_webhook_events', dispatches: true, acknowledged: new Set() };
    const loadStart = performance.now();
    const { result } = await generator.run({ type: 'intake', url: profiledUrl, label: 'profile', connections: CONNECTIONS, durationSec: PHASE_SEC });
    await backlogWorkedOff(profiledTarget);
    await profiledDb.end();
    await stopServer(profiled, 15_000);
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (file) profile = { ...profileShares(join(profileDir, file), performance.now() - loadStart), events: result.ok2xx };
    progress(`profile of ${result.ok2xx} events written to ${profileDir}`);
  } finally {
    generator.stop();
    await stopAll();
  }

  const report = buildReport(bench, drains, storms, durability, memory, profile);
  const results = {
    meta: {
      date: new Date(startedAt).toISOString(),
      runtimeSec: Math.round((Date.now() - startedAt) / 1000),
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      postgres: serverVersion,
      commit: gitCommit(root),
      payloadBytes: [Buffer.byteLength(factory.body(factory.nextId('size'))), Buffer.byteLength(factory.body(factory.nextId('size')))],
      settings: { phaseSec: PHASE_SEC, rounds: ROUNDS, connections: CONNECTIONS, steadyRate: STEADY_RATE, historyRows: HISTORY_ROWS, drainEvents: DRAIN_EVENTS },
    },
    targets: TARGETS,
    verdicts: report.verdicts,
    ceiling,
    phases: bench.phases,
    storms,
    durability,
    memory,
    drains,
    profile,
  };
  const resultsPath = join(root, 'bench', 'results.json');
  writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(report.text);
  process.stdout.write(`\nfull results: ${resultsPath} (runtime ${results.meta.runtimeSec} s)\n`);
}

interface Verdict {
  name: string;
  app: string;
  baseline: string;
  /** Per-round ratios and their median; the median is judged. */
  ratio: string;
  target: string;
  met: boolean | undefined;
}

function buildReport(
  bench: Bench,
  drains: DrainRun[],
  storms: Record<string, StormRun & { rowsStored: number }>,
  durability: Record<string, { acknowledged: number; missing: number }>,
  memory: Record<string, { peakMb: number; sampledMaxMb: number }>,
  profile: { busyMs: number; shares: ProfileShare[]; events: number } | undefined,
): { text: string; verdicts: Verdict[] } {
  const { intake, steady, badSignature } = bench.phases;
  const of = <R>(records: PhaseRecord<R>[], name: TargetName): PhaseRecord<R>[] => records.filter((record) => record.target === name);
  /** Per round: value(target) ÷ value(the other target) of the same round. */
  const pairs = <R>(records: PhaseRecord<R>[], name: TargetName, against: TargetName, value: (record: PhaseRecord<R>) => number): number[] =>
    of(records, name).map((record) => {
      const other = records.find((candidate) => candidate.round === record.round && candidate.target === against);
      return other ? value(record) / value(other) : NaN;
    });
  const med = <R>(records: PhaseRecord<R>[], name: TargetName, value: (record: PhaseRecord<R>) => number): number => median(of(records, name).map(value));
  const ratioText = (ratios: number[]): string => `${fmt(median(ratios), 2)}× (${ratios.map((r) => fmt(r, 2)).join(', ')})`;

  const stored = (record: PhaseRecord<LoadRun>): number => record.run.okPerSec;
  const p50 = (record: PhaseRecord<PacedRun>): number => record.run.latencyMs.p50;
  const p99 = (record: PhaseRecord<PacedRun>): number => record.run.latencyMs.p99;
  const cpu = (record: PhaseRecord<LoadRun>): number => record.withBacklog.cpuMsPerEvent;
  const rejections = (record: PhaseRecord<LoadRun>): number => (record.run.statusCodes['401'] ?? 0) / record.run.durationSec;
  const baselineIntake = med(intake, 'baseline', stored);
  const drainRate = median(drains.map((run) => run.eventsPerSec));
  const drainRatios = drains.map((run) => run.eventsPerSec / baselineIntake);
  const appPeak = memory.app?.peakMb ?? NaN;
  const loopP99 = med(steady, 'app', (record) => record.loop?.p99Ms ?? NaN);

  const row = (name: string, app: number, baseline: number, ratios: number[], target: string, met: (ratio: number) => boolean, digits = 0): Verdict => ({
    name,
    app: fmt(app, digits),
    baseline: fmt(baseline, digits),
    ratio: ratioText(ratios),
    target,
    met: Number.isFinite(median(ratios)) ? met(median(ratios)) : false,
  });
  const verdicts: Verdict[] = [
    row('max durable intake, worker draining (stored/s)', med(intake, 'app', stored), baselineIntake, pairs(intake, 'app', 'baseline', stored), `≥ ${TARGETS.intakeRatioMin}×`, (r) => r >= TARGETS.intakeRatioMin),
    row(`p99 at a steady ${STEADY_RATE} req/s (ms)`, med(steady, 'app', p99), med(steady, 'baseline', p99), pairs(steady, 'app', 'baseline', p99), `≤ ${TARGETS.p99RatioMax}×`, (r) => r <= TARGETS.p99RatioMax, 1),
    row(`p50 at a steady ${STEADY_RATE} req/s (ms)`, med(steady, 'app', p50), med(steady, 'baseline', p50), pairs(steady, 'app', 'baseline', p50), `≤ ${TARGETS.p50RatioMax}×`, (r) => r <= TARGETS.p50RatioMax, 2),
    row(`drain of ${DRAIN_EVENTS} events, domain handlers (events/s)`, drainRate, baselineIntake, drainRatios, `≥ ${TARGETS.drainRatioMin}× baseline intake`, (r) => r >= TARGETS.drainRatioMin),
    row('CPU per event at max load, intake + dispatch (ms)', med(intake, 'app', cpu), med(intake, 'baseline', cpu), pairs(intake, 'app', 'baseline', cpu), `≤ ${TARGETS.cpuRatioMax}×`, (r) => r <= TARGETS.cpuRatioMax, 2),
    row('bad-signature rejections (401/s)', med(badSignature, 'app', rejections), med(badSignature, 'baseline', rejections), pairs(badSignature, 'app', 'baseline', rejections), `≥ ${TARGETS.badSignatureRatioMin}×`, (r) => r >= TARGETS.badSignatureRatioMin),
    {
      name: 'peak RSS of the app, VmHWM (MB)',
      app: fmt(appPeak, 0),
      baseline: fmt(memory.baseline?.peakMb, 0),
      ratio: '',
      target: `≤ ${TARGETS.peakRssMbMax} MB`,
      met: appPeak <= TARGETS.peakRssMbMax,
    },
    row(`max intake with ${HISTORY_ROWS} rows stored ÷ empty table`, med(intake, 'history', stored), med(intake, 'app', stored), pairs(intake, 'history', 'app', stored), `≥ ${TARGETS.historyRatioMin}×`, (r) => r >= TARGETS.historyRatioMin),
    {
      name: `event-loop delay p99 at ${STEADY_RATE} req/s (ms)`,
      app: fmt(loopP99, 1),
      baseline: fmt(med(steady, 'baseline', (record) => record.loop?.p99Ms ?? NaN), 1),
      ratio: of(steady, 'app').map((record) => fmt(record.loop?.p99Ms, 1)).join(', '),
      target: `≤ ${TARGETS.loopP99MsMax} ms`,
      met: loopP99 <= TARGETS.loopP99MsMax,
    },
    // The split deployment, reported beside the one-process default.
    row('split: max durable intake (stored/s)', med(intake, 'split', stored), baselineIntake, pairs(intake, 'split', 'baseline', stored), 'reported', () => true),
    row(`split: p99 at ${STEADY_RATE} req/s (ms)`, med(steady, 'split', p99), med(steady, 'baseline', p99), pairs(steady, 'split', 'baseline', p99), 'reported', () => true, 1),
    row('split: CPU per event, web + worker (ms)', med(intake, 'split', cpu), med(intake, 'baseline', cpu), pairs(intake, 'split', 'baseline', cpu), 'reported', () => true, 2),
  ];
  for (const verdict of verdicts) if (verdict.target === 'reported') verdict.met = undefined;

  const lines: string[] = [];
  const table = (header: string[], rows: string[][], rightFrom = 1): void => {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]): string => cells.map((cell, i) => (i >= rightFrom && i < rightFrom + 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
    lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line));
  };
  lines.push('', `Targets: medians of ${ROUNDS} rounds; ratio = app ÷ the bare receiver of the same round (each round's ratio in brackets).`, '');
  table(
    ['figure', 'app', 'baseline', 'ratio (per round)', 'target', ''],
    verdicts.map((v) => [v.name, v.app, v.baseline, v.ratio, v.target, v.met === undefined ? '' : v.met ? 'MET' : 'MISSED']),
  );

  lines.push('', 'Per phase (stored/s or latency; CPU cores of the target, PostgreSQL, generator, others; share of the generator ceiling):');
  const phaseRows: string[][] = [];
  for (const [kind, records] of [['max intake', intake], ['steady', steady], ['bad signature', badSignature]] as const) {
    for (const record of records as Array<PhaseRecord<LoadRun | PacedRun>>) {
      const r = record.resources;
      const figure =
        kind === 'steady'
          ? `p50 ${fmt(record.run.latencyMs.p50, 1)} / p99 ${fmt(record.run.latencyMs.p99, 1)} ms`
          : kind === 'bad signature'
            ? `${fmt(rejections(record), 0)} 401/s`
            : `${fmt(record.run.okPerSec, 0)} stored/s`;
      phaseRows.push([
        `${record.round}`,
        kind,
        record.target,
        figure,
        `${fmt(r.serverCores, 2)} / ${fmt(r.postgresCores, 2)} / ${fmt(r.generatorCores, 2)} / ${fmt(r.otherCores, 2)}`,
        record.ofCeiling === undefined ? '' : `${fmt(record.ofCeiling * 100, 0)} %${record.ofCeiling >= CEILING_SHARE ? ' GENERATOR-BOUND' : ''}`,
        r.otherCores >= NOISE_CORES ? 'disturbed' : '',
        record.run.non2xx > 0 && kind !== 'bad signature' ? `${record.run.non2xx} non-2xx` : '',
      ]);
    }
  }
  table(['round', 'phase', 'target', 'figure', 'cores: server / pg / gen / other', 'of ceiling', '', ''], phaseRows, 99);

  const ceilingIntake = bench.ceiling.intake;
  if (ceilingIntake) lines.push('', `Generator ceiling (null server): ${fmt(ceilingIntake.requests / ceilingIntake.durationSec, 0)} signed events/s at ${CONNECTIONS} connections.`);
  const disturbed = [...intake, ...steady, ...badSignature].filter((record) => record.resources.otherCores >= NOISE_CORES).length;
  const bound = [...intake, ...badSignature].filter((record) => (record.ofCeiling ?? 0) >= CEILING_SHARE).length;
  if (disturbed > 0) lines.push(`${disturbed} phase(s) ran while other processes took ≥ ${NOISE_CORES} cores: those figures are pessimistic.`);
  if (bound > 0) lines.push(`${bound} phase(s) came within ${CEILING_SHARE * 100} % of the generator's ceiling: they measured the generator.`);

  lines.push('', 'Correctness:');
  for (const [name, storm] of Object.entries(storms)) {
    lines.push(`  duplicate storm ${name}: ${storm.rowsStored} rows for ${STORM_IDS} ids, ${storm.ok2xx} of ${storm.requests} answered 2xx, ${storm.storedAnswers} answered as new`);
  }
  for (const [name, d] of Object.entries(durability)) lines.push(`  ${name}: ${d.missing} of ${d.acknowledged} acknowledged ids missing from the table`);
  for (const record of badSignature) {
    lines.push(`  bad signature, round ${record.round}, ${record.target}: ${record.forgedRowsStored ?? 'n/a'} rows stored for the forged event, ${record.run.ok2xx} answered 2xx`);
  }
  for (const run of drains) {
    lines.push(
      `  drain: ${run.outcome}, ${run.drained} events, ${run.chargeRows} charges written, ${run.handlerRunsRepeated} handler runs repeated, statuses ${JSON.stringify(run.rowsByStatus)}`,
    );
  }
  lines.push('', 'Memory (MB): ' + Object.entries(memory).map(([name, m]) => `${name} peak ${fmt(m.peakMb, 0)} (sampled max ${fmt(m.sampledMaxMb, 0)})`).join(', '));

  if (profile) {
    lines.push('', `CPU profile of the app at max load: ${profile.events} events, ${fmt(profile.busyMs / profile.events, 3)} ms busy per event, self time by place:`);
    table(
      ['place', 'share', 'ms/event'],
      profile.shares.slice(0, 14).map((share) => [share.place, `${fmt(share.share * 100, 1)} %`, fmt(share.ms / profile.events, 3)]),
    );
  }
  return { text: lines.join('\n') + '\n', verdicts };
}

function gitCommit(root: string): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    // The app is built from the working tree: say so when src/ or demo/ differ from the commit.
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'demo'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} + uncommitted changes` : commit;
  } catch {
    return 'unknown';
  }
}

main().catch(async (error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await stopAll();
  process.exit(1);
});
