/**
 * The host the drain benchmark runs the dispatch worker in: the webhooks module alone, with one no-op
 * `@OnEvent('**')` listener, so what is measured is the module's own dispatch cost (claim, handler
 * bookkeeping, finish) and not the demo's domain handlers. Started by run-bench.ts as a child process
 * of the compiled dist (`node build/bench/drain-app.js`), with an IPC channel: it sends
 * `{ type: 'ready' }` once `app.init()` has returned, the worker running.
 *
 * No HTTP listener (an application context): nothing is posted to it, it only drains the table the
 * bench seeded. The schema is already in place (the bench ran the migrations before seeding);
 * `migrationsRun` then finds nothing to do, as a restarted production instance would.
 *
 * It also times the worker's queries, to show where a drained event's time goes: a provider wraps the
 * methods of the worker's DispatchStore instance (claim, succeededHandlers, recordHandlerRun, finish)
 * before the worker starts, and samples the pg pool's waiting-client count. Answered on IPC to
 * `{ type: 'profile' }`. The wrappers add a performance.now() pair per call; nothing in src/ changes.
 *
 * Env: DATABASE_URL (postgres://…), OMISE_WEBHOOK_SECRET, DRAIN_CONCURRENCY (dispatch.concurrency,
 * default the module's 8), DRAIN_POOL_MAX (pg pool size; unset: pg's default 10, what the app gets).
 */
import 'reflect-metadata';
import { Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { DispatchWorker, OMISE_WEBHOOK_MIGRATIONS, WebhooksModule } from 'omise-nest-webhooks';

const concurrency = process.env.DRAIN_CONCURRENCY ? Number(process.env.DRAIN_CONCURRENCY) : undefined;
const poolMax = process.env.DRAIN_POOL_MAX ? Number(process.env.DRAIN_POOL_MAX) : undefined;

@Injectable()
class NoopListener {
  handled = 0;

  @OnEvent('**')
  onAny(): void {
    this.handled++;
  }
}

/** Per queue method: calls, total and max milliseconds, and the rows claims returned. */
export interface QueryProfile {
  [method: string]: { calls: number; totalMs: number; maxMs: number; rows?: number };
}
export interface DrainProfile {
  queries: QueryProfile;
  /** pg pool, sampled every POOL_SAMPLE_MS: clients waiting for a connection, connections checked out. */
  pool: { samples: number; meanWaiting: number; maxWaiting: number; meanBusy: number; size: number } | null;
}

const POOL_SAMPLE_MS = 5;

interface PgPoolLike {
  waitingCount: number;
  totalCount: number;
  idleCount: number;
  options?: { max?: number };
}

@Injectable()
class DrainProfiler implements OnModuleInit, OnApplicationShutdown {
  private readonly queries: QueryProfile = {};
  private pool?: PgPoolLike;
  private poolTimer?: NodeJS.Timeout;
  private samples = 0;
  private waitingSum = 0;
  private maxWaiting = 0;
  private busySum = 0;

  constructor(
    private readonly worker: DispatchWorker,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** onModuleInit runs before any onApplicationBootstrap, so before the worker's first claim. */
  onModuleInit(): void {
    const queue = (this.worker as unknown as { queue?: Record<string, unknown> }).queue;
    if (queue && typeof queue === 'object') {
      const prototype = Object.getPrototypeOf(queue) as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const method = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
        if (name === 'constructor' || typeof method !== 'function') continue;
        const entry = (this.queries[name] = { calls: 0, totalMs: 0, maxMs: 0 } as QueryProfile[string]);
        queue[name] = async (...args: unknown[]): Promise<unknown> => {
          const start = performance.now();
          try {
            const result: unknown = await (method as (...a: unknown[]) => Promise<unknown>).apply(queue, args);
            if (Array.isArray(result)) entry.rows = (entry.rows ?? 0) + result.length;
            return result;
          } finally {
            const ms = performance.now() - start;
            entry.calls++;
            entry.totalMs += ms;
            entry.maxMs = Math.max(entry.maxMs, ms);
          }
        };
      }
    }
    const pool = (this.dataSource.driver as unknown as { master?: PgPoolLike }).master;
    if (pool && typeof pool.waitingCount === 'number') {
      this.pool = pool;
      this.poolTimer = setInterval(() => {
        this.samples++;
        this.waitingSum += pool.waitingCount;
        this.maxWaiting = Math.max(this.maxWaiting, pool.waitingCount);
        this.busySum += pool.totalCount - pool.idleCount;
      }, POOL_SAMPLE_MS);
      this.poolTimer.unref();
    }
  }

  profile(): DrainProfile {
    const pool = this.pool;
    return {
      queries: this.queries,
      pool: pool
        ? {
            samples: this.samples,
            meanWaiting: this.waitingSum / Math.max(1, this.samples),
            maxWaiting: this.maxWaiting,
            meanBusy: this.busySum / Math.max(1, this.samples),
            size: pool.options?.max ?? 10,
          }
        : null,
    };
  }

  onApplicationShutdown(): void {
    clearInterval(this.poolTimer);
  }
}

@Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: true }),
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: process.env.DATABASE_URL,
      autoLoadEntities: true,
      migrations: [...OMISE_WEBHOOK_MIGRATIONS],
      migrationsRun: true,
      synchronize: false,
      ...(poolMax === undefined ? {} : { extra: { max: poolMax } }),
    }),
    WebhooksModule.forRoot({
      secrets: (process.env.OMISE_WEBHOOK_SECRET ?? '').split(','),
      dispatch: concurrency === undefined ? {} : { concurrency },
    }),
  ],
  providers: [NoopListener, DrainProfiler],
})
class DrainAppModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(DrainAppModule, { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  await app.init();
  new Logger('DrainApp').log(`worker running (concurrency ${concurrency ?? 'default'}, pool ${poolMax ?? 'default'})`);
  process.send?.({ type: 'ready', at: Date.now() });
  const listener = app.get(NoopListener);
  const profiler = app.get(DrainProfiler);
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'profile') process.send?.({ type: 'profile', profile: profiler.profile(), handled: listener.handled });
  });
  process.once('SIGTERM', () => new Logger('DrainApp').log(`no-op handler ran ${listener.handled} time(s)`));
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`drain-app failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
