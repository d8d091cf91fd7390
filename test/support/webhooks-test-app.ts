import { Injectable, type INestApplication, type LoggerService, type ModuleMetadata, type NestApplicationOptions, type Provider } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Server } from 'node:http';
import { DataSource } from 'typeorm';
import { OMISE_WEBHOOK_MIGRATIONS, WebhooksModule, type OmiseEvent, type WebhooksModuleOptions } from 'omise-nest-webhooks';
// The worker itself is internal: these tests look inside it (idle(), its id); a host's tests use waitForOmiseEvents.
import { DispatchWorker } from '../../src/dispatch/dispatch-worker';
import type { TestDatabase, TestDatabaseKind } from './test-databases';

/** Test secrets (base64, like the dashboard's). */
export const SECRET = 'F1BIYsDZbSDw+AbGHVJMxY/CQNjwjDJWBZ3HLhnKEzM=';
export const SECOND_SECRET = 'c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=';

/** Records every event the module emits, as a user's `@OnEvent` listener would see it. */
@Injectable()
export class EmittedEvents {
  readonly all: OmiseEvent[] = [];
  private readonly waiting: Array<{ id: string; resolve: (event: OmiseEvent) => void }> = [];

  @OnEvent('**')
  record(event: OmiseEvent): void {
    this.all.push(event);
    for (const waiter of this.waiting.filter((w) => w.id === event.id)) waiter.resolve(event);
  }

  /** Resolves when the event with this id has been emitted (at once if it already was). */
  emittedOnce(id: string): Promise<OmiseEvent> {
    const seen = this.ofId(id)[0];
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiting.push({ id, resolve }));
  }

  ofId(id: string): OmiseEvent[] {
    return this.all.filter((event) => event.id === id);
  }
}

export interface WebhooksTestApp {
  app: INestApplication;
  server: Server;
  dataSource: DataSource;
  emitted: EmittedEvents;
  worker: DispatchWorker;
  close(): Promise<void>;
}

export interface TestAppOptions extends Partial<WebhooksModuleOptions> {
  rawBody?: boolean;
  /** The user's own listeners and other providers. Default: only {@link EmittedEvents}. */
  providers?: Provider[];
  /** More modules of the host app. */
  imports?: ModuleMetadata['imports'];
  /** The host's own controllers. */
  controllers?: ModuleMetadata['controllers'];
  /** How the host makes the tables: the module's migrations (default) or TypeORM's synchronize. */
  schema?: 'migrations' | 'synchronize';
  /** The app's logger, to capture what it logs. Default: none (TEST_LOGS=1: errors and warnings). */
  logger?: LoggerService;
  /** What the host does to its HTTP server before it listens (its limits, as the demo's main.ts). */
  beforeListen?: (server: Server) => void;
  /** What the host's main.ts does before `init()` (its parsers, its platform's hooks). */
  beforeInit?: (app: INestApplication) => void;
  /** The host's platform: a new `FastifyAdapter()` for a Fastify host. Default: Express. */
  httpAdapter?: AbstractHttpAdapter;
}

/** A host application as a user writes it: its own DataSource and emitter, the module dropped in. */
export async function startWebhooksTestApp(db: TestDatabase, options: TestAppOptions = {}): Promise<WebhooksTestApp> {
  const { rawBody = true, providers = [EmittedEvents], imports = [], controllers = [], schema = 'migrations', logger, beforeInit, beforeListen, httpAdapter, ...moduleOptions } = options;
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({
        ...db.options,
        autoLoadEntities: true,
        ...(schema === 'migrations' ? { migrations: [...OMISE_WEBHOOK_MIGRATIONS], migrationsRun: true } : { synchronize: true }),
      }),
      EventEmitterModule.forRoot({ wildcard: true }),
      WebhooksModule.forRoot({ secrets: [SECRET], ...moduleOptions }),
      ...imports,
    ],
    providers,
    controllers,
  }).compile();
  // TEST_LOGS=1 shows the app's warnings and errors while debugging a test.
  const appOptions: NestApplicationOptions = { rawBody, logger: logger ?? (process.env.TEST_LOGS ? ['error', 'warn'] : false) };
  const app = httpAdapter ? moduleRef.createNestApplication(httpAdapter, appOptions) : moduleRef.createNestApplication(appOptions);
  try {
    beforeInit?.(app);
    await app.init();
    beforeListen?.(app.getHttpServer() as Server);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // An app that refused to boot still holds its database connection.
    await app.close();
    throw error;
  }
  return {
    app,
    server: app.getHttpServer() as Server,
    dataSource: app.get(DataSource),
    get emitted() {
      return app.get(EmittedEvents);
    },
    worker: app.get(DispatchWorker),
    close: () => app.close(),
  };
}

/**
 * A fresh database of `kind` for the spec (or the describe block) that calls this: made in
 * beforeAll, dropped in afterAll. Read `.db` inside tests and hooks.
 */
export function useTestDatabase(kind: TestDatabaseKind): { readonly db: TestDatabase } {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await kind.create();
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('useTestDatabase: the database is made in beforeAll; read it inside a test or a hook');
      return db;
    },
  };
}

/**
 * A test app on a fresh database of `kind` for the spec (or the describe block) that calls this:
 * started in beforeAll, closed and dropped in afterAll. `options` may be a function, read when the
 * app starts (for values that other hooks set first).
 */
export function useWebhooksTestApp(kind: TestDatabaseKind, options: TestAppOptions | (() => TestAppOptions) = {}): WebhooksTestApp & { readonly db: TestDatabase } {
  let db: TestDatabase | undefined;
  let started: WebhooksTestApp | undefined;
  beforeAll(async () => {
    db = await kind.create();
    started = await startWebhooksTestApp(db, typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await started?.close();
    await db?.drop();
  });
  const app = (): WebhooksTestApp => {
    if (!started || !db) throw new Error('useWebhooksTestApp: the app starts in beforeAll; use it inside a test or a hook');
    return started;
  };
  return {
    get db() {
      app();
      return db as TestDatabase;
    },
    get app() {
      return app().app;
    },
    get server() {
      return app().server;
    },
    get dataSource() {
      return app().dataSource;
    },
    get emitted() {
      return app().emitted;
    },
    get worker() {
      return app().worker;
    },
    close: () => app().close(),
  };
}

/** Rows in omise_webhook_events, optionally for one event id. */
export async function countStored(dataSource: DataSource, eventId?: string): Promise<number> {
  const rows: Array<{ n: number | string }> = eventId
    ? await dataSource.query(
        `SELECT COUNT(*) AS n FROM omise_webhook_events WHERE event_id = ${dataSource.options.type === 'postgres' ? '$1' : '?'}`,
        [eventId],
      )
    : await dataSource.query('SELECT COUNT(*) AS n FROM omise_webhook_events');
  return Number(rows[0].n);
}
