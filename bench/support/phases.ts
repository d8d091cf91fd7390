/**
 * The systems under test and one measured phase against one of them: the load (from the generator's
 * process), the CPU every party took meanwhile, the event loop's delay in the process taking requests,
 * and the target's backlog worked off afterwards, so that what a phase reports covers the whole work.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import type { LoadGenerator, LoadJob, ResultOf } from './generator';
import type { LoadRun } from './load';
import type { LoopDelay } from './loop-probe';
import { ask, cpuSecondsOf, machineBusySeconds, memoryOf, postgresCpuBetween, postgresCpuByPid, type Server } from './processes';

/**
 * The tuned app's settings: as many events at once as its handlers can keep busy on a 2-core box
 * with PostgreSQL beside it, and a pool that leaves room for claims and outcome writes beside them.
 */
export const TUNED = { concurrency: 24, poolSize: 30 } as const;

export type TargetName =
  /** node:http + pg, one INSERT before the 200 (baseline-receiver.ts). */
  | 'bare'
  /** The same receiver with a hand-written worker applying each event to its charge (bare-worker.ts). */
  | 'pipeline'
  /** The demo app with OMISE_WEBHOOK_DISPATCH=off: the module's intake alone. */
  | 'intake'
  /** The same, the route served before Express and Nest (OMISE_WEBHOOK_ROUTE=direct). */
  | 'direct'
  /** A host app on Fastify with the module, dispatch off (fastify-app.ts): the module's intake alone on Fastify. */
  | 'fastify'
  /** The demo app with its handlers, tuned ({@link TUNED}): the direct route, more events at once on a bigger pool. */
  | 'tuned'
  /** The demo app, its domain handlers running in the same process. */
  | 'app'
  /** The demo's split deployment: a web instance with dispatch off and the demo's worker process. */
  | 'split'
  /** The demo app on a table that already holds a million processed events. */
  | 'history'
  /** The demo app under a V8 heap limit (--max-old-space-size). */
  | 'limited'
  /** Peer: the hand-written Nest + TypeORM controller (peers/nest-controller.ts). */
  | 'nest'
  /** Peer: Omise's documented Express recipe, acknowledge then store (peers/express-recipe.ts). */
  | 'express'
  /** The bench host app whose handler holds a transaction for 20 ms (held-transaction-app.ts). */
  | 'held'
  /** The same host app and handler without the hold. */
  | 'unheld';

/**
 * What is left to do once a target has answered: how the bench finds out.
 * - none: an answered event is stored and that is all (the receivers, the controller, dispatch off)
 * - dispatch: the module's worker has stored events to process (status pending, processing or failed)
 * - bare-worker: rows the bare pipeline's worker has not marked processed
 * - ack-first: acknowledged events the process holds in memory, not stored yet (asked of it over IPC)
 */
export type Backlog = 'none' | 'dispatch' | 'bare-worker' | 'ack-first';

/** One system under test: its processes (the first takes the requests), its database, its table. */
export interface Target {
  name: TargetName;
  label: string;
  url: string;
  processes: Server[];
  /** The bench's own connection to the target's database (one: its queries are sequential). */
  db: Pool;
  /** Where an acknowledged event's row is looked up. */
  table: string;
  backlog: Backlog;
  acknowledged: Set<string>;
}

export interface Resources {
  wallSec: number;
  /** CPU seconds of the target's own processes, over the phase (and its backlog, where counted). */
  serverCpuSec: number;
  serverCores: number;
  postgresCores: number;
  generatorCores: number;
  /** Everything else that ran on the machine meanwhile (other people's work): noise in the figures. */
  otherCores: number;
}

export interface PhaseRecord<R> {
  round: number;
  target: TargetName;
  run: R;
  /** During the load only. */
  resources: Resources;
  /** From the load's start until the target's backlog was empty; = resources for a target without one. */
  withBacklog: Resources & { backlogSec: number; events: number; cpuMsPerEvent: number; capped: boolean };
  /**
   * Events answered 2xx during the load ÷ the seconds from the load's start until the last of them was
   * handled (dispatching targets and the bare pipeline): stored AND processed, end to end.
   */
  handledPerSec?: number;
  /** Ack-first targets: events acknowledged but not stored yet when the load stopped (held in memory). */
  unstoredAtStop?: number;
  loop?: LoopDelay;
  /** Answered requests per second over the generator's ceiling for this load shape (closed loop only). */
  ofCeiling?: number;
  /** Rows stored with the id of the wrongly signed event (bad-signature phases): must be 0. */
  forgedRowsStored?: number;
}

/** Closed-loop load shapes whose ceiling the bench measured against the null server. */
export type Ceiling = Record<'intake' | 'badSignature', LoadRun>;

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

/** Events the target still has to handle (or, ack-first, to store). */
export async function unfinished(target: Target): Promise<number> {
  switch (target.backlog) {
    case 'none':
      return 0;
    case 'dispatch':
      return (
        await target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM omise_webhook_events WHERE status IN ('pending', 'processing', 'failed')")
      ).rows[0].n;
    case 'bare-worker':
      return (await target.db.query<{ n: number }>('SELECT count(*)::int AS n FROM baseline_events WHERE processed_at IS NULL')).rows[0].n;
    case 'ack-first': {
      const reply = await ask<{ count: number }>(target.processes[0], { type: 'unstored' }, 'unstored');
      if (reply === undefined) throw new Error(`${target.name}: did not say how many acknowledged events it has not stored`);
      return reply.count;
    }
  }
}

/** Polls until the target has nothing left (true) or `maxSec` passed (false), calling `onPoll` after each wait. */
export async function backlogWorkedOff(target: Target, maxSec: number, onPoll: () => void = () => undefined): Promise<boolean> {
  const start = performance.now();
  while ((await unfinished(target)) > 0) {
    if (performance.now() - start >= maxSec * 1000) return false;
    await sleep(100);
    onPoll();
  }
  return true;
}

export class Bench {
  private readonly rss = new Map<number, number>();
  private readonly sampler: NodeJS.Timeout;

  constructor(
    readonly generator: LoadGenerator,
    readonly targets: Target[],
    /** The generator against the null server, per closed-loop load shape. */
    readonly ceiling: Ceiling,
    /** How long a target may take to work off a phase's backlog before the bench goes on without it. */
    private readonly backlogMaxSec: number,
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
   * process taking requests, then CPU until the target's backlog is worked off, so that CPU per event
   * and events handled per second cover the whole work, not just the answers.
   */
  async phase<J extends LoadJob>(round: number, target: Target, job: J): Promise<PhaseRecord<ResultOf<J>>> {
    // Flush dirty pages first so one target's checkpoint does not land in the next one's measurement.
    await target.db.query('CHECKPOINT');
    const front = target.processes[0];
    await ask(front, { type: 'loop-reset' }, 'loop-reset-done');
    const start = snapshot(target.processes, this.generator);
    const { result, acknowledged, eventId: forgedId } = await this.generator.run(job);
    const end = snapshot(target.processes, this.generator);
    const unstoredAtStop = target.backlog === 'ack-first' ? await unfinished(target) : undefined;
    const loop = (await ask<{ delay: LoopDelay }>(front, { type: 'loop-read' }, 'loop'))?.delay;
    for (const id of acknowledged) target.acknowledged.add(id);
    let last = end;
    const drained = await backlogWorkedOff(target, this.backlogMaxSec, () => (last = snapshot(target.processes, this.generator)));
    const withBacklog = resourcesBetween(start, last);
    const events = 'ok2xx' in result ? result.ok2xx : 0;
    const answered = 'timeouts' in result ? result.requests - result.errors - result.timeouts : NaN;
    const ceiling = job.type === 'intake' || job.type === 'badSignature' ? this.ceiling[job.type] : undefined;
    const handles = target.backlog === 'dispatch' || target.backlog === 'bare-worker';
    return {
      round,
      target: target.name,
      run: result,
      resources: resourcesBetween(start, end),
      withBacklog: {
        ...withBacklog,
        backlogSec: (last.at - end.at) / 1000,
        events,
        cpuMsPerEvent: (withBacklog.serverCpuSec * 1000) / events,
        capped: !drained,
      },
      handledPerSec: handles && drained ? events / withBacklog.wallSec : undefined,
      unstoredAtStop,
      loop,
      ofCeiling: ceiling ? answered / result.durationSec / ((ceiling.requests - ceiling.errors - ceiling.timeouts) / ceiling.durationSec) : undefined,
      forgedRowsStored:
        forgedId === undefined
          ? undefined
          : (await target.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${target.table} WHERE event_id = $1`, [forgedId])).rows[0].n,
    };
  }
}
