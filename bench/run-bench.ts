/**
 * `npm run bench`: issue 18's like-for-like comparisons, in one run, on one PostgreSQL, with the same
 * charge.create and charge.complete payloads, loaded by one generator in a process of its own. About
 * thirteen minutes with the defaults.
 *
 * Who is measured against whom:
 *   - intake against intake: the demo app with OMISE_WEBHOOK_DISPATCH=off against the bare receiver
 *     (bench/baseline-receiver.ts: node:http + pg, one INSERT before the 200), and against the peers a
 *     user would otherwise write: the hand-written Nest + TypeORM controller (peers/nest-controller.ts)
 *     and Omise's documented Express recipe that acknowledges first and stores after
 *     (peers/express-recipe.ts); and the same intake on a Fastify host (fastify-app.ts: the module in
 *     a Nest app on @nestjs/platform-fastify, dispatch off) beside the demo's, which runs on Express;
 *   - handling against handling: the demo app with its domain handlers against the bare pipeline (the
 *     bare receiver plus a hand-written SKIP LOCKED worker doing the demo's charge upsert,
 *     bare-worker.ts), in events stored AND processed per second, end to end;
 *   - the app against itself: on a table of 1,000,000 stored events, under a V8 heap limit
 *     (MEMORY_FLAGS), and as the split deployment (a web instance with dispatch off and the demo's
 *     worker process, demo/worker.ts), each against the app in one process on an empty table, unlimited;
 *   - a host app whose handler holds a 20 ms transaction (held-transaction-app.ts) against the same app
 *     and handler without the hold, at a steady 500 req/s: what handler work does to acknowledgements.
 *
 *   0. the generator's ceiling: each closed-loop load shape against a server that answers without work
 *   1. rounds (BENCH_ROUNDS, default 3), the order of the targets rotated each round:
 *      - max load, closed loop (50 connections); each target's backlog worked off before the next
 *        phase, and counted in its CPU per event and events handled per second
 *      - a steady 500 req/s, open loop: p50/p99 and the event loop's delay in each server
 *      - bad-signature rejections
 *   2. duplicate storms, and every acknowledged id looked up in its table
 *   3. the memory phase: one app process under the heap limit, a closed-loop stretch on a table of
 *      100,000 stored events, then the table seeded to 1,000,000 and another stretch; the V8 heap after
 *      a full collection sampled after each (the process handles a few ten thousand events, not a
 *      million: the phase shows whether the heap follows the stored events, and the rounds' limited
 *      target whether it follows the events handled)
 *   4. a CPU profile of the app with handlers at max load: self time by package and module folder
 *
 * Figures are medians of per-round ratios. The machine is shared: every phase records the CPU each
 * party took and what other processes took meanwhile, and a phase that came within 80 % of the
 * generator's ceiling is flagged.
 *
 * The app and the host app are driven through the module's public surface only: the demo's env
 * variables, `omise-nest-webhooks` exports, the module's tables for the backlog and the durability
 * check.
 *
 * Env (all optional): BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_DB
 * (prefix of the databases it drops and recreates, default bench_omise), BENCH_SECONDS (each timed
 * phase, default 8), BENCH_ROUNDS (default 3), BENCH_HISTORY_ROWS (default 1000000),
 * BENCH_MEMORY_SECONDS (each stretch of the memory phase, default 10), BENCH_TARGETS (comma-separated
 * target names, to try some out: only they run, without the memory phase and the profile, and the
 * results go to the log folder rather than bench/results.json).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import { LoadGenerator, type LoadJob } from './support/generator';
import type { StormRun } from './support/load';
import type { HeapSample } from './support/loop-probe';
import { OmiseEventFactory } from './support/omise-events';
import { backlogWorkedOff, Bench, type Backlog, type Ceiling, type Target, type TargetName, TUNED } from './support/phases';
import { freePort, killAllOnExit, logTail, memoryOf, ask, startServer, stopAll, stopServer, waitUntilListening } from './support/processes';
import { profileShares } from './support/profile';
import { buildReport, TARGETS, type MemoryPhase, type MemoryStretch, type Phases, type ReportInput } from './support/report';
import { seedHistory } from './support/history';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DB_PREFIX = process.env.BENCH_DB ?? 'bench_omise';
const PHASE_SEC = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const HISTORY_ROWS = Number(process.env.BENCH_HISTORY_ROWS ?? 1_000_000);
const MEMORY_STRETCH_SEC = Number(process.env.BENCH_MEMORY_SECONDS ?? 10);
/** The V8 heap limit the app is measured under, and the README's advice is built on. */
const MEMORY_LIMIT_MB = 256;
/**
 * With a small old-space limit V8 also shrinks the young generation (to about 1/128 of it), and a busy
 * app then collects many times as often; 16 MB is what it has without a limit.
 */
const SEMI_SPACE_MB = 16;
/**
 * Under any limit up to 256 MB (64-bit) V8 starts a full collection once the old space is 1.1× what the
 * last one left, against up to 4× without a limit: measured, that alone cost 15–30 % more CPU per event
 * at 96, 128 and 192 MB. 300 (4×) is what it allows itself unlimited.
 */
const HEAP_GROWING_PERCENT = 300;
/** The flags of the memory-limited target, as the README gives them. */
const MEMORY_FLAGS = [`--max-old-space-size=${MEMORY_LIMIT_MB}`, `--max-semi-space-size=${SEMI_SPACE_MB}`, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`];
/** Stored events of the memory phase's first stretch; the second one runs on HISTORY_ROWS. */
const MEMORY_FIRST_ROWS = 100_000;
/** How long the host app's handler holds its transaction open per event. */
const HOLD_MS = 20;
const WARMUP_SEC = 3;
const BAD_SIGNATURE_SEC = 5;
/** As the outside harness: 50 connections, one request in flight on each. */
const CONNECTIONS = 50;
const STEADY_RATE = 500;
const STORM_IDS = 100;
const STORM_COPIES = 20;
/** How long a target may take to work off a phase's backlog before the bench goes on without it. */
const BACKLOG_MAX_SEC = 60;
const WEBHOOK_PATH = '/webhooks/omise'; // the module's default; the bare servers answer on any path

/** Who runs in which kind of phase, in this order in round 1, rotated after; the pairs compared are neighbours. */
const MAX_LOAD_ORDER: TargetName[] = ['bare', 'intake', 'direct', 'fastify', 'nest', 'express', 'app', 'pipeline', 'tuned', 'split', 'limited', 'history'];
const STEADY_ORDER: TargetName[] = ['bare', 'intake', 'direct', 'fastify', 'app', 'unheld', 'held'];
const BAD_SIGNATURE_ORDER: TargetName[] = ['bare', 'intake', 'direct', 'fastify', 'nest', 'express'];
/** The module's supported intake paths: through Nest's router (the default), the direct route, a Fastify host. */
const INTAKE_PATHS: TargetName[] = ['intake', 'direct', 'fastify'];

/** BENCH_TARGETS: the targets that run (all when unset). */
const ONLY = process.env.BENCH_TARGETS ? new Set(process.env.BENCH_TARGETS.split(',').map((name) => name.trim())) : undefined;
const chosen = (name: TargetName): boolean => ONLY === undefined || ONLY.has(name);

const LABELS: Record<TargetName, string> = {
  bare: 'bare receiver',
  pipeline: 'bare pipeline',
  intake: 'app, dispatch off',
  direct: 'app, dispatch off, direct route',
  fastify: 'Fastify host, dispatch off',
  tuned: 'app, handlers, tuned',
  app: 'app, handlers',
  split: 'split web + worker',
  history: `app, ${HISTORY_ROWS / 1e6}M stored`,
  limited: `app, ${MEMORY_LIMIT_MB} MB heap`,
  nest: 'Nest controller',
  express: 'Express recipe',
  held: `${HOLD_MS} ms handler`,
  unheld: 'handler, no hold',
};

function progress(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)}  ${message}\n`);
}

function fmt(value: number | undefined, digits: number): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
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

/** The URL of the bench's database `<prefix>_<key>`. */
function databaseUrl(key: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DB_PREFIX}_${key}`;
  return url.toString();
}

async function recreateDatabase(key: string): Promise<string> {
  const name = `${DB_PREFIX}_${key}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`BENCH_DB must be a plain identifier, got "${name}"`);
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    // FORCE: a previous run killed mid-way may have left connections open.
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    return databaseUrl(key);
  } finally {
    await admin.end();
  }
}

async function postgresVersion(): Promise<string> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  } finally {
    await admin.end();
  }
}

/** How each target is started: its script, its environment, its V8 flags, where it stores. */
interface TargetSpec {
  entry: 'app' | 'bare' | 'nest' | 'express' | 'held' | 'fastify';
  /** A second process, the demo's worker entry, started once the first has migrated the database. */
  worker?: true;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  table: string;
  backlog: Backlog;
}

const SPECS: Record<TargetName, TargetSpec> = {
  bare: { entry: 'bare', table: 'baseline_events', backlog: 'none' },
  pipeline: { entry: 'bare', env: { BARE_WORKER: 'on' }, table: 'baseline_events', backlog: 'bare-worker' },
  intake: { entry: 'app', env: { OMISE_WEBHOOK_DISPATCH: 'off' }, table: 'omise_webhook_events', backlog: 'none' },
  direct: { entry: 'app', env: { OMISE_WEBHOOK_DISPATCH: 'off', OMISE_WEBHOOK_ROUTE: 'direct' }, table: 'omise_webhook_events', backlog: 'none' },
  fastify: { entry: 'fastify', table: 'omise_webhook_events', backlog: 'none' },
  tuned: {
    entry: 'app',
    env: { OMISE_WEBHOOK_ROUTE: 'direct', OMISE_WEBHOOK_CONCURRENCY: String(TUNED.concurrency), DATABASE_POOL_SIZE: String(TUNED.poolSize) },
    table: 'omise_webhook_events',
    backlog: 'dispatch',
  },
  app: { entry: 'app', table: 'omise_webhook_events', backlog: 'dispatch' },
  split: { entry: 'app', env: { OMISE_WEBHOOK_DISPATCH: 'off' }, worker: true, table: 'omise_webhook_events', backlog: 'dispatch' },
  history: { entry: 'app', table: 'omise_webhook_events', backlog: 'dispatch' },
  limited: { entry: 'app', nodeArgs: MEMORY_FLAGS, table: 'omise_webhook_events', backlog: 'dispatch' },
  nest: { entry: 'nest', table: 'nest_events', backlog: 'none' },
  express: { entry: 'express', table: 'recipe_events', backlog: 'ack-first' },
  held: { entry: 'held', env: { BENCH_HANDLER_HOLD_MS: String(HOLD_MS) }, table: 'omise_webhook_events', backlog: 'dispatch' },
  unheld: { entry: 'held', env: { BENCH_HANDLER_HOLD_MS: '0' }, table: 'omise_webhook_events', backlog: 'dispatch' },
};

/** Rows its handlers wrote for the bench's events: the charges (demo, bare pipeline) or the host app's own table. */
async function handlerRows(target: Target, runTag: string): Promise<number> {
  const [table, column, prefix] = target.name === 'held' || target.name === 'unheld' ? ['held_transactions', 'event_id', 'evnt_bench_'] : ['charges', 'charge_id', 'chrg_bench_'];
  try {
    return (await target.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE starts_with(${column}, $1)`, [`${prefix}${runTag}_`])).rows[0].n;
  } catch {
    return NaN; // the demo's domain tables may have moved: the check is a sanity figure, not a target
  }
}

/** What every server of the run is started with. */
interface Launcher {
  entries: Record<TargetSpec['entry'] | 'worker', string>;
  baseEnv: NodeJS.ProcessEnv;
  logDir: string;
  /** Extra V8 flags of the measured servers (the event-loop probe, --expose-gc). */
  probeArgs: string[];
}

/**
 * A fresh database `<prefix>_<key>` and the target's server on it, started (the caller waits for its
 * port: servers boot in parallel), with the bench's own connection to its database.
 */
async function launch(
  launcher: Launcher,
  key: string,
  name: TargetName,
  label: string,
  options: { probed: boolean; nodeArgs: string[] } = { probed: true, nodeArgs: [] },
): Promise<Target> {
  const spec = SPECS[name];
  const url = await recreateDatabase(key);
  const server = startServer(key, launcher.entries[spec.entry], await freePort(), { ...launcher.baseEnv, DATABASE_URL: url, ...spec.env }, join(launcher.logDir, `${key}.log`), {
    ipc: options.probed,
    nodeArgs: [...(spec.nodeArgs ?? []), ...options.nodeArgs, ...(options.probed ? launcher.probeArgs : [])],
  });
  return {
    name,
    label,
    url: `http://127.0.0.1:${server.port}${WEBHOOK_PATH}`,
    processes: [server],
    db: new Pool({ connectionString: url, max: 1 }),
    table: spec.table,
    backlog: spec.backlog,
    acknowledged: new Set(),
  };
}

async function main(): Promise<void> {
  for (const name of ONLY ?? []) {
    if (!(name in SPECS)) throw new Error(`BENCH_TARGETS: no target "${name}" (${Object.keys(SPECS).join(', ')})`);
  }
  killAllOnExit();
  const startedAt = Date.now();
  const root = repoRoot();
  const entry = (path: string): string => {
    const file = join(root, 'build', path);
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build:demo\` (or \`npm run bench\`, which does)`);
    return file;
  };
  const entries: Launcher['entries'] = {
    app: entry('demo/main.js'),
    worker: entry('demo/worker.js'),
    bare: entry('bench/baseline-receiver.js'),
    nest: entry('bench/peers/nest-controller.js'),
    express: entry('bench/peers/express-recipe.js'),
    held: entry('bench/held-transaction-app.js'),
    fastify: entry('bench/fastify-app.js'),
  };
  const probe = entry('bench/support/loop-probe.js');
  const secret = randomBytes(32).toString('base64');
  const runTag = randomBytes(4).toString('hex');
  const factory = new OmiseEventFactory(root, secret, runTag);
  const logDir = mkdtempSync(join(tmpdir(), 'omise-bench-'));
  const generator = LoadGenerator.start(entry('bench/support/generator.js'), { root, secret, runTag });
  // The bench's events are test-mode ones (`evnt_test_…`): production requires saying both modes run.
  const baseEnv = { OMISE_WEBHOOK_SECRET: secret, NODE_ENV: 'production', OMISE_WEBHOOK_MODE: 'any' };
  // --expose-gc only makes gc() callable: the probe collects before a heap sample, between phases.
  const probeArgs = ['--expose-gc', '--require', probe];
  progress(`server logs in ${logDir}; load generator pid ${generator.pid}`);

  // 0. The generator's ceiling, before anything else runs.
  const nullServer = startServer('null', entry('bench/null-receiver.js'), await freePort(), {}, join(logDir, 'null.log'));
  await waitUntilListening(nullServer);
  const nullUrl = `http://127.0.0.1:${nullServer.port}${WEBHOOK_PATH}`;
  const ceiling: Ceiling = {
    intake: (await generator.run({ type: 'intake', url: nullUrl, label: 'ceiling', connections: CONNECTIONS, durationSec: PHASE_SEC })).result,
    badSignature: (await generator.run({ type: 'badSignature', url: nullUrl, label: 'ceilingbad', connections: CONNECTIONS, durationSec: BAD_SIGNATURE_SEC })).result,
  };
  await stopServer(nullServer);
  progress(`generator ceiling: ${fmt(ceiling.intake.requests / ceiling.intake.durationSec, 0)} signed events/s, ${fmt(ceiling.badSignature.requests / ceiling.badSignature.durationSec, 0)} fixed requests/s`);

  // One database per target, so each backlog and each table is its own. Every server migrates or
  // creates its own schema at boot and opens its port after.
  const launcher: Launcher = { entries, baseEnv, logDir, probeArgs };
  const serverVersion = await postgresVersion();
  const targets: Target[] = [];
  for (const name of (Object.keys(SPECS) as TargetName[]).filter(chosen)) targets.push(await launch(launcher, name, name, LABELS[name]));
  await Promise.all(targets.map((t) => waitUntilListening(t.processes[0], 120_000)));
  for (const t of targets.filter((t) => SPECS[t.name].worker)) {
    t.processes.push(startServer(`${t.name}-worker`, entries.worker, 0, { ...baseEnv, DATABASE_URL: databaseUrl(t.name) }, join(logDir, `${t.name}-worker.log`)));
  }
  const byName = (name: TargetName): Target => targets.find((t) => t.name === name) as Target;
  progress(`${targets.length} servers listening`);
  if (chosen('history')) {
    // The history target's table, migrated by its app at boot, filled before its first phase.
    progress(`storing ${HISTORY_ROWS} processed events in ${DB_PREFIX}_history`);
    const seconds = await seedHistory(byName('history').db, 1, HISTORY_ROWS);
    progress(`   done in ${fmt(seconds, 1)} s`);
  }

  const bench = new Bench(generator, targets, ceiling, BACKLOG_MAX_SEC);
  const phases: Phases = { intake: [], steady: [], badSignature: [] };
  const storms: Record<string, StormRun & { rowsStored: number }> = {};
  const durability: ReportInput['durability'] = {};
  const memory: ReportInput['memory'] = {};
  const charges: ReportInput['charges'] = {};
  let memoryPhase: MemoryPhase | undefined;
  let profile: ReportInput['profile'];
  const maxLoad = (t: Target, label: string, durationSec = PHASE_SEC): Extract<LoadJob, { type: 'intake' }> => ({ type: 'intake', url: t.url, label, connections: CONNECTIONS, durationSec });
  const paced = (t: Target, label: string, durationSec = PHASE_SEC): Extract<LoadJob, { type: 'paced' }> => ({
    type: 'paced',
    url: t.url,
    label,
    ratePerSec: STEADY_RATE,
    durationSec,
    maxSockets: 200,
  });
  try {
    for (const t of targets) {
      // One delivery first: a wrong secret or path should stop the run, not produce seconds of 401s.
      const smoke = await generator.run({ type: 'storm', url: t.url, label: `smoke${t.name}`, distinctIds: 1, copiesPerId: 1 });
      if (smoke.result.ok2xx !== 1) throw new Error(`${t.name}: a signed delivery was not accepted (${JSON.stringify(smoke.result.statusCodes)}):\n${logTail(t.processes[0])}`);
      for (const id of smoke.acknowledged) t.acknowledged.add(id);
      progress(`warm-up ${t.label} (${WARMUP_SEC} s)`);
      // The steady-only targets warm up at the steady rate: their handler cannot keep up with max load.
      const warm = MAX_LOAD_ORDER.includes(t.name) ? maxLoad(t, `w${t.name}`, WARMUP_SEC) : paced(t, `w${t.name}`, WARMUP_SEC);
      await bench.phase(0, t, warm);
    }

    for (let round = 1; round <= ROUNDS; round++) {
      // Rotated each round: no target always goes first, or always follows the same one.
      const rotate = (all: TargetName[]): Target[] => {
        const list = all.filter(chosen);
        return list.map((_, i) => byName(list[(i + round - 1) % list.length]));
      };
      for (const t of rotate(MAX_LOAD_ORDER)) {
        const record = await bench.phase(round, t, maxLoad(t, `a${round}${t.name}`));
        phases.intake.push(record);
        progress(
          `round ${round} max load   ${t.label.padEnd(18)} ${fmt(record.run.okPerSec, 0).padStart(5)} 2xx/s` +
            (record.handledPerSec === undefined ? '' : `, ${fmt(record.handledPerSec, 0)} handled/s`) +
            (record.unstoredAtStop === undefined ? '' : `, ${record.unstoredAtStop} acknowledged but unstored at stop`) +
            `, non-2xx ${record.run.non2xx}, backlog ${fmt(record.withBacklog.backlogSec, 1)} s${record.withBacklog.capped ? ' (capped)' : ''}, ` +
            `${fmt(record.withBacklog.cpuMsPerEvent, 3)} CPU ms/event, other CPU ${fmt(record.resources.otherCores, 2)}`,
        );
      }
      for (const t of rotate(STEADY_ORDER)) {
        const record = await bench.phase(round, t, paced(t, `b${round}${t.name}`));
        phases.steady.push(record);
        progress(
          `round ${round} ${STEADY_RATE} req/s  ${t.label.padEnd(18)} p50 ${fmt(record.run.latencyMs.p50, 1)} ms, p99 ${fmt(record.run.latencyMs.p99, 1)} ms, ` +
            `non-2xx ${record.run.non2xx}, loop delay p99 ${fmt(record.loop?.p99Ms, 1)} ms, backlog ${fmt(record.withBacklog.backlogSec, 1)} s, other CPU ${fmt(record.resources.otherCores, 2)}`,
        );
      }
      for (const t of rotate(BAD_SIGNATURE_ORDER)) {
        const record = await bench.phase(round, t, { type: 'badSignature', url: t.url, label: `d${round}${t.name}`, connections: CONNECTIONS, durationSec: BAD_SIGNATURE_SEC });
        phases.badSignature.push(record);
        progress(`round ${round} bad signature ${t.label.padEnd(18)} ${fmt((record.run.statusCodes['401'] ?? 0) / record.run.durationSec, 0)} 401/s`);
      }
    }

    for (const t of (['app', 'bare'] as const).filter(chosen).map(byName)) {
      const { result, acknowledged } = await generator.run({ type: 'storm', url: t.url, label: `c${t.name}`, distinctIds: STORM_IDS, copiesPerId: STORM_COPIES });
      for (const id of acknowledged) t.acknowledged.add(id);
      const rows = (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table} WHERE starts_with(event_id, $1)`, [factory.idPrefix(`c${t.name}`)])).rows[0].n;
      storms[t.name] = { ...result, rowsStored: rows };
    }
    for (const t of targets) {
      await backlogWorkedOff(t, BACKLOG_MAX_SEC);
      // A 2xx is a promise that the event is stored: every acknowledged id must have its row.
      const ids = [...t.acknowledged];
      const found = (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table} WHERE event_id = ANY($1::text[])`, [ids])).rows[0].n;
      durability[t.name] = { acknowledged: ids.length, missing: ids.length - found };
      if (t.backlog === 'dispatch' || t.backlog === 'bare-worker') {
        // Every stored event counts, acknowledged or not: a load that stops cuts off answers in flight.
        const storedEvents = (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table} WHERE starts_with(event_id, $1)`, [`evnt_bench_${runTag}_`])).rows[0].n;
        charges[t.name] = { rows: await handlerRows(t, runTag), events: storedEvents };
      }
      for (const server of t.processes) {
        const heap = server.child.connected ? (await ask<{ sample: HeapSample }>(server, { type: 'heap' }, 'heap'))?.sample : undefined;
        memory[server.name] = { peakMb: memoryOf(server.pid)?.peakMb ?? NaN, sampledMaxMb: bench.sampledRssMb(server), heap };
      }
    }
  } finally {
    bench.stopSampling();
    await Promise.all(targets.map((t) => t.db.end()));
    await stopAll();
  }

  try {
    // Not for a run of some targets: it is the whole bench's.
    if (ONLY === undefined) {
      // 3. The memory phase, with the round's servers gone.
      memoryPhase = await runMemoryPhase(launcher, generator, ceiling);

      // 4. A CPU profile of the app at max load, on a fresh database (the profiler costs a few percent).
      const profileDir = mkdtempSync(join(tmpdir(), 'omise-bench-profile-'));
      const profiledTarget = await launch(launcher, 'profile', 'app', 'profiled', { probed: false, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
      const profiled = profiledTarget.processes[0];
      await waitUntilListening(profiled);
      const loadStart = performance.now();
      const { result } = await generator.run(maxLoad(profiledTarget, 'profile'));
      await backlogWorkedOff(profiledTarget, BACKLOG_MAX_SEC);
      await profiledTarget.db.end();
      await stopServer(profiled, 15_000);
      const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
      if (file) profile = { ...profileShares(join(profileDir, file), performance.now() - loadStart), events: result.ok2xx };
      progress(`profile of ${result.ok2xx} events written to ${profileDir}`);
    }
  } finally {
    generator.stop();
    await stopAll();
  }

  const input: ReportInput = {
    settings: {
      rounds: ROUNDS,
      phaseSec: PHASE_SEC,
      connections: CONNECTIONS,
      steadyRate: STEADY_RATE,
      historyRows: HISTORY_ROWS,
      memoryLimitMb: MEMORY_LIMIT_MB,
      memoryFlags: MEMORY_FLAGS.join(' '),
      holdMs: HOLD_MS,
    },
    labels: LABELS,
    intakePaths: INTAKE_PATHS.filter(chosen),
    phases,
    ceiling,
    storms,
    durability,
    memory,
    memoryPhase,
    charges,
    profile,
  };
  const report = buildReport(input);
  const results = {
    meta: {
      date: new Date(startedAt).toISOString(),
      runtimeSec: Math.round((Date.now() - startedAt) / 1000),
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      postgres: serverVersion,
      commit: gitCommit(root),
      payloadBytes: [Buffer.byteLength(factory.body(factory.nextId('size'))), Buffer.byteLength(factory.body(factory.nextId('size')))],
      settings: { ...input.settings, memoryStretchSec: MEMORY_STRETCH_SEC, memoryFirstRows: MEMORY_FIRST_ROWS, backlogMaxSec: BACKLOG_MAX_SEC },
    },
    targets: TARGETS,
    verdicts: report.verdicts,
    peers: report.peers,
    ...input,
  };
  // A run of some targets does not replace the whole bench's results.
  const resultsPath = ONLY === undefined ? join(root, 'bench', 'results.json') : join(logDir, 'results.json');
  writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(report.text);
  process.stdout.write(`\nfull results: ${resultsPath} (runtime ${results.meta.runtimeSec} s)\n`);
}

/**
 * One app process under the heap limit, one table: a warm-up, a closed-loop stretch with
 * MEMORY_FIRST_ROWS events stored, the table seeded up to HISTORY_ROWS, another stretch. After each
 * stretch's backlog is handled, the heap in use after a full collection.
 */
async function runMemoryPhase(launcher: Launcher, generator: LoadGenerator, ceiling: Ceiling): Promise<MemoryPhase> {
  const target = await launch(launcher, 'memory', 'limited', 'memory phase');
  const server = target.processes[0];
  await waitUntilListening(server);
  const bench = new Bench(generator, [target], ceiling, BACKLOG_MAX_SEC);
  const stretches: MemoryStretch[] = [];
  try {
    let seeded = 0;
    for (const rows of [MEMORY_FIRST_ROWS, HISTORY_ROWS]) {
      const seedSec = await seedHistory(target.db, seeded + 1, rows);
      seeded = rows;
      if (stretches.length === 0) await bench.phase(0, target, { type: 'intake', url: target.url, label: 'mw', connections: CONNECTIONS, durationSec: WARMUP_SEC });
      const record = await bench.phase(0, target, { type: 'intake', url: target.url, label: `m${rows}`, connections: CONNECTIONS, durationSec: MEMORY_STRETCH_SEC });
      const heap = (await ask<{ sample: HeapSample }>(server, { type: 'heap' }, 'heap'))?.sample;
      stretches.push({
        storedRows: rows,
        seedSec,
        events: record.run.ok2xx,
        okPerSec: record.run.okPerSec,
        handledPerSec: record.handledPerSec,
        heap,
        rssMb: memoryOf(server.pid)?.rssMb ?? NaN,
      });
      progress(
        `memory phase, ${rows} stored: ${fmt(record.run.okPerSec, 0)} 2xx/s, ${fmt(record.handledPerSec, 0)} handled/s, heap after GC ${fmt(heap?.usedMb, 1)} MB, seeded in ${fmt(seedSec, 1)} s`,
      );
    }
    const ids = [...target.acknowledged];
    const found = (await target.db.query<{ n: number }>('SELECT count(*)::int AS n FROM omise_webhook_events WHERE event_id = ANY($1::text[])', [ids])).rows[0].n;
    return {
      flags: MEMORY_FLAGS.join(' '),
      stretchSec: MEMORY_STRETCH_SEC,
      stretches,
      acknowledged: ids.length,
      missing: ids.length - found,
      peakMb: memoryOf(server.pid)?.peakMb ?? NaN,
    };
  } finally {
    bench.stopSampling();
    await target.db.end();
    await stopServer(server, 15_000);
  }
}

function gitCommit(root: string): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    // The servers are built from the working tree: say so when what they run differs from the commit.
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'demo', 'bench/*.ts', 'bench/peers', 'bench/support'], { cwd: root, encoding: 'utf8' }).trim() !== '';
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
