/**
 * The load generator, in a process of its own: the bench forks it once and sends it jobs over IPC, so
 * the generator's CPU is its own (measured from /proc like the servers') and the bench's bookkeeping
 * (polls, counts, sampling) never slows the requests down.
 *
 * Env from the bench: BENCH_ROOT (where the fixtures are), BENCH_SECRET, BENCH_RUN_TAG.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { runDuplicateStorm, runFixed, runIntake, runPaced, type LoadRun, type PacedRun, type StormRun } from './load';
import { OmiseEventFactory } from './omise-events';

export type LoadJob =
  /** Closed loop: `connections` requests in flight, a distinct signed event each. */
  | { type: 'intake'; url: string; label: string; connections: number; durationSec: number }
  /** Open loop at a constant rate, latency measured from each request's due time. */
  | { type: 'paced'; url: string; label: string; ratePerSec: number; durationSec: number; maxSockets: number }
  | { type: 'storm'; url: string; label: string; distinctIds: number; copiesPerId: number }
  /** Closed loop of one delivery signed with a wrong secret. */
  | { type: 'badSignature'; url: string; label: string; connections: number; durationSec: number };

export interface JobResult<R> {
  result: R;
  /** Ids answered 2xx: the durability check looks each up in the table. */
  acknowledged: string[];
  /** The wrongly signed event's id (badSignature): it must not be stored. */
  eventId?: string;
}
export type ResultOf<J extends LoadJob> = J['type'] extends 'paced' ? PacedRun : J['type'] extends 'storm' ? StormRun : LoadRun;

interface Request {
  seq: number;
  job: LoadJob;
}
type Reply = { seq: number; ok: true; value: JobResult<LoadRun | PacedRun | StormRun> } | { seq: number; ok: false; error: string };

async function perform(factory: OmiseEventFactory, job: LoadJob): Promise<JobResult<LoadRun | PacedRun | StormRun>> {
  const acknowledged = new Set<string>();
  switch (job.type) {
    case 'intake':
      return { result: await runIntake({ ...job, factory, acknowledged }), acknowledged: [...acknowledged] };
    case 'paced':
      return { result: await runPaced({ ...job, factory, acknowledged }), acknowledged: [...acknowledged] };
    case 'storm':
      return { result: await runDuplicateStorm({ ...job, factory, acknowledged }), acknowledged: [...acknowledged] };
    case 'badSignature': {
      const delivery = factory.wronglySigned(factory.nextId(job.label));
      return { result: await runFixed(job.url, delivery, job.connections, job.durationSec), acknowledged: [], eventId: delivery.id };
    }
  }
}

/** The bench's handle on the generator process. */
export class LoadGenerator {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (value: JobResult<never>) => void; reject: (error: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      const pending = this.waiting.get(reply.seq);
      if (!pending) return;
      this.waiting.delete(reply.seq);
      if (reply.ok) pending.resolve(reply.value as JobResult<never>);
      else pending.reject(new Error(`load generator: ${reply.error}`));
    });
    child.once('exit', (code, signal) => {
      for (const pending of this.waiting.values()) pending.reject(new Error(`load generator exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  static start(script: string, env: { root: string; secret: string; runTag: string }): LoadGenerator {
    const child = fork(script, [], {
      env: { ...process.env, BENCH_ROOT: env.root, BENCH_SECRET: env.secret, BENCH_RUN_TAG: env.runTag },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new LoadGenerator(child);
  }

  get pid(): number {
    return this.child.pid ?? NaN;
  }

  run<J extends LoadJob>(job: J): Promise<JobResult<ResultOf<J>>> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve: resolve, reject });
      this.child.send({ seq, job } satisfies Request);
    });
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

// Run as the forked process: answer jobs one at a time until the bench disconnects.
if (require.main === module) {
  const factory = new OmiseEventFactory(process.env.BENCH_ROOT ?? '.', process.env.BENCH_SECRET ?? '', process.env.BENCH_RUN_TAG);
  let queue = Promise.resolve();
  process.on('message', (request: Request) => {
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        reply = { seq: request.seq, ok: true, value: await perform(factory, request.job) };
      } catch (error) {
        reply = { seq: request.seq, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      }
      process.send?.(reply);
    });
  });
  process.on('disconnect', () => process.exit(0));
}
