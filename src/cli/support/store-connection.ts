import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { And, DataSource, type DataSourceOptions, In, LessThan, MoreThan, MoreThanOrEqual, type FindOptionsWhere, type Repository } from 'typeorm';
// The library's files, not its barrel: the barrel loads all of Nest, which would double the time
// every command takes to start.
import { Database } from '../../store/database';
import { ReplayStore } from '../../store/replay-store';
import type { EventFilter } from '../../store/stored-event.types';
import { requireOptionalPeer } from '../../common/optional-peer';
import { dialectOf, eventKeyMatching, SqlParams } from '../../store/sql-dialect';
import { SUMMARY_COLUMNS, WebhookEventEntity } from '../../store/webhook-event.entity';
import { HandlerRunEntity } from '../../store/handler-run.entity';
import { CliFailure, UsageError } from '../cli-command';

/** The option of every command that reads the app's database. */
export const DATABASE_OPTIONS = { 'database-url': { type: 'string' } } as const;

export const DATABASE_HELP = `  --database-url URL the app's database (default: DATABASE_URL): postgres://…, mysql://…,
                     mariadb://…, or sqlite:PATH`;

/**
 * The module's tables in the app's database, opened without Nest and without running migrations:
 * the CLI works on the app's schema and never changes it.
 */
export class StoreConnection {
  readonly events: Repository<WebhookEventEntity>;
  /** The module's SQL on this connection, with a deadline for a person waiting rather than for Omise. */
  readonly database: Database;
  /** The module's own replay (with its history), on this connection. */
  readonly replays: ReplayStore;

  private constructor(readonly dataSource: DataSource) {
    this.events = dataSource.getRepository(WebhookEventEntity);
    // Generous: an operator waits for a batch of 500 replays on a busy database, not Omise.
    this.database = new Database(dataSource, 30_000);
    this.replays = new ReplayStore(this.database);
  }

  /** `--database-url`, else DATABASE_URL (the environment includes the working directory's `.env`). */
  static async open(values: { 'database-url'?: string }, env: NodeJS.ProcessEnv): Promise<StoreConnection> {
    const flag = values['database-url'] !== undefined ? '--database-url' : 'DATABASE_URL';
    const url = (values['database-url'] ?? env.DATABASE_URL ?? '').trim();
    if (!url) throw new CliFailure("no database: pass --database-url or set DATABASE_URL (in the environment or .env) to the app's database");
    const options = connectionOptions(flag, url);
    const where = describeDatabase(url);
    // Opening a missing SQLite file would create an empty one: refuse instead of answering "0 events".
    if (options.type === 'better-sqlite3' && !existsSync(options.database)) {
      throw new CliFailure(`no database at ${options.database} (${flag}): point it at the app's database file`);
    }
    const dataSource = new DataSource({ ...options, entities: [WebhookEventEntity, HandlerRunEntity], logging: false });
    try {
      await dataSource.initialize();
    } catch (error) {
      throw new CliFailure(`cannot connect to ${where}: ${(error as Error).message}`);
    }
    try {
      await dataSource.query('SELECT 1 FROM omise_webhook_events WHERE 1 = 0');
    } catch {
      await dataSource.destroy();
      throw new CliFailure(`${where} has no omise_webhook_events table: run the app's migrations (OMISE_WEBHOOK_MIGRATIONS) first`);
    }
    return new StoreConnection(dataSource);
  }

  close(): Promise<void> {
    // A breaker that opened meanwhile probes until told to stop.
    this.database.breaker.stop();
    return this.dataSource.destroy();
  }

  count(filter: EventFilter): Promise<number> {
    return this.events.count({ where: where(filter) });
  }

  /** What `events` shows, newest first; never the body. */
  list(filter: EventFilter, limit: number): Promise<WebhookEventEntity[]> {
    return this.events.find({
      where: where(filter),
      order: { receivedAt: 'DESC', eventId: 'DESC' },
      take: limit,
      select: SUMMARY_COLUMNS,
    });
  }

  /** Bodies of the selected events, `pageSize` at a time, so memory stays flat on a big table. */
  async *bodies(filter: EventFilter, pageSize: number): AsyncGenerator<Array<Pick<WebhookEventEntity, 'eventId' | 'bodyText'>>> {
    let after: string | undefined;
    for (;;) {
      const page = await this.events.find({
        where: { ...where(filter), ...(after === undefined ? {} : { eventId: MoreThan(after) }) },
        order: { eventId: 'ASC' },
        take: pageSize,
        select: { eventId: true, bodyText: true },
      });
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1].eventId;
    }
  }

  /**
   * Deletes up to `limit` selected events, their handler runs and replay history, in one transaction;
   * returns how many events went. Runs are deleted only once their event is gone, so an event whose
   * status changed meanwhile keeps its history.
   */
  async deleteSome(filter: EventFilter, limit: number): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const events = manager.getRepository(WebhookEventEntity);
      const ids = (await events.find({ where: where(filter), select: { eventId: true }, take: limit })).map((row) => row.eventId);
      if (ids.length === 0) return 0;
      const deleted = await events.delete({ ...where(filter), eventId: In(ids) });
      // The replay history of the events goes with them; the replays' own rows (who, when, how many) stay.
      for (const table of ['omise_webhook_handler_runs', 'omise_webhook_replayed_events', 'omise_webhook_replayed_runs']) {
        const p = new SqlParams(dialectOf(this.dataSource));
        await manager.query(
          `DELETE FROM ${table} WHERE event_id IN (${p.list(ids)}) ` +
            `AND NOT EXISTS (SELECT 1 FROM omise_webhook_events e WHERE e.event_id = ${table}.event_id AND e.account = ${table}.account)`,
          p.values,
        );
      }
      return deleted.affected ?? ids.length;
    });
  }
}

/** The filter as a TypeORM condition (the commands filter by status, key and time; none searches by id). */
function where(filter: EventFilter): FindOptionsWhere<WebhookEventEntity> {
  const clause: FindOptionsWhere<WebhookEventEntity> = {};
  if (filter.status !== undefined) clause.status = In([filter.status].flat());
  if (filter.key) clause.key = eventKeyMatching(filter.key);
  if (filter.account) clause.account = filter.account;
  if (filter.mode) clause.livemode = filter.mode === 'live';
  const { since, until } = filter;
  if (since && until) clause.receivedAt = And(MoreThanOrEqual(since), LessThan(until));
  else if (since) clause.receivedAt = MoreThanOrEqual(since);
  else if (until) clause.receivedAt = LessThan(until);
  return clause;
}

/** DataSource options for a database URL, once its driver is known to be installed. */
function connectionOptions(flag: string, url: string): DataSourceOptions {
  const driver = (name: string) => requireOptionalPeer(name, `${flag} ${url.split(':')[0]}:`);
  try {
    if (url.startsWith('sqlite:')) {
      driver('better-sqlite3');
      return { type: 'better-sqlite3', database: url.slice('sqlite:'.length) };
    }
    if (/^postgres(ql)?:\/\//.test(url)) {
      driver('pg');
      return { type: 'postgres', url };
    }
    if (/^(mysql|mariadb):\/\//.test(url)) {
      driver('mysql2');
      // TypeORM tells MariaDB from MySQL only by the type; the URL is mysql2's either way.
      return { type: url.startsWith('mariadb:') ? 'mariadb' : 'mysql', url: url.replace(/^mariadb:/, 'mysql:'), charset: 'utf8mb4' };
    }
  } catch (error) {
    throw new CliFailure((error as Error).message);
  }
  throw new UsageError(`${flag} must start with postgres://, mysql://, mariadb:// or sqlite:, got "${describeDatabase(url)}"`);
}

/** The database for messages, without a password. */
function describeDatabase(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'the database URL';
  }
}
