import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { And, DataSource, type DataSourceOptions, In, LessThan, MoreThan, MoreThanOrEqual, type FindOptionsWhere, type Repository } from 'typeorm';
import { databaseOptionsFromUrl, DEFAULT_SQLITE_PATH } from '../../config/database.config';
// The module's files, not its barrel (src/webhooks/index.ts): the barrel loads all of Nest, which
// would double the time every CLI command takes to start.
import { DispatchQueue } from '../../webhooks/dispatch/dispatch-queue';
import { WebhookEventEntity, type WebhookEventStatus } from '../../webhooks/inbox/webhook-event.entity';
import { dialectOf, eventKeyMatching, SqlParams } from '../../webhooks/persistence/sql-dialect';
import { CliFailure } from '../cli-command';

/** Which stored events a command works on. Every field narrows; none means all. */
export interface EventSelection {
  statuses?: readonly WebhookEventStatus[];
  /** Exact key or a pattern with `*` (`charge.*`). */
  key?: string;
  /** received_at ≥ since */
  since?: Date;
  /** received_at < until */
  until?: Date;
}

/**
 * The inbox tables of the database the app uses (DATABASE_URL, same defaults), opened without Nest
 * and without running migrations: the CLI works on the app's schema and never changes it.
 */
export class InboxDatabase {
  readonly events: Repository<WebhookEventEntity>;
  /** The module's own dispatch SQL (replay), on this connection. */
  readonly queue: DispatchQueue;

  private constructor(readonly dataSource: DataSource) {
    this.events = dataSource.getRepository(WebhookEventEntity);
    this.queue = new DispatchQueue(dataSource);
  }

  static async open(env: NodeJS.ProcessEnv): Promise<InboxDatabase> {
    let options: DataSourceOptions;
    try {
      options = databaseOptionsFromUrl(env.DATABASE_URL);
    } catch (error) {
      throw new CliFailure((error as Error).message);
    }
    const where = describeDatabase(env.DATABASE_URL);
    // Opening a missing SQLite file would create an empty one: refuse instead of answering "0 events".
    if (options.type === 'better-sqlite3' && !existsSync(options.database)) {
      throw new CliFailure(`no database at ${options.database}${env.DATABASE_URL ? '' : ' (DATABASE_URL is unset)'}: set DATABASE_URL to the app's database, or start the app once (npm start)`);
    }
    const dataSource = new DataSource({ ...options, entities: [WebhookEventEntity], logging: false });
    try {
      await dataSource.initialize();
    } catch (error) {
      throw new CliFailure(`cannot connect to ${where}: ${(error as Error).message}`);
    }
    try {
      await dataSource.query('SELECT 1 FROM omise_webhook_events WHERE 1 = 0');
    } catch {
      await dataSource.destroy();
      throw new CliFailure(`${where} has no omise_webhook_events table: start the app once (it runs the migrations) or run \`npm run migration:run\``);
    }
    return new InboxDatabase(dataSource);
  }

  close(): Promise<void> {
    return this.dataSource.destroy();
  }

  /** Ids of the selected events, oldest first. */
  async ids(selection: EventSelection): Promise<string[]> {
    const rows = await this.events.find({ where: where(selection), select: { eventId: true }, order: { receivedAt: 'ASC', eventId: 'ASC' } });
    return rows.map((row) => row.eventId);
  }

  count(selection: EventSelection): Promise<number> {
    return this.events.count({ where: where(selection) });
  }

  /** What `events` shows, newest first; never the body. */
  list(selection: EventSelection, limit: number): Promise<WebhookEventEntity[]> {
    return this.events.find({
      where: where(selection),
      order: { receivedAt: 'DESC', eventId: 'DESC' },
      take: limit,
      select: ['eventId', 'key', 'livemode', 'receivedAt', 'status', 'attempts', 'nextAttemptAt', 'lockedUntil', 'lastError', 'processedAt'],
    });
  }

  /** Bodies of the selected events, `pageSize` at a time, so memory stays flat on a big table. */
  async *rawBodies(selection: EventSelection, pageSize: number): AsyncGenerator<Array<Pick<WebhookEventEntity, 'eventId' | 'rawBody'>>> {
    let after: string | undefined;
    for (;;) {
      const page = await this.events.find({
        where: { ...where(selection), ...(after === undefined ? {} : { eventId: MoreThan(after) }) },
        order: { eventId: 'ASC' },
        take: pageSize,
        select: { eventId: true, rawBody: true },
      });
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1].eventId;
    }
  }

  /**
   * Deletes up to `limit` selected events and their handler runs, in one transaction; returns how many
   * events went. Runs are deleted only once their event is gone, so an event whose status changed
   * meanwhile keeps its history.
   */
  async deleteSome(selection: EventSelection, limit: number): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const events = manager.getRepository(WebhookEventEntity);
      const ids = (await events.find({ where: where(selection), select: { eventId: true }, take: limit })).map((row) => row.eventId);
      if (ids.length === 0) return 0;
      const deleted = await events.delete({ ...where(selection), eventId: In(ids) });
      const p = new SqlParams(dialectOf(this.dataSource));
      await manager.query(
        `DELETE FROM omise_webhook_handler_runs WHERE event_id IN (${p.list(ids)}) ` +
          'AND NOT EXISTS (SELECT 1 FROM omise_webhook_events e WHERE e.event_id = omise_webhook_handler_runs.event_id)',
        p.values,
      );
      return deleted.affected ?? ids.length;
    });
  }
}

function where(selection: EventSelection): FindOptionsWhere<WebhookEventEntity> {
  const clause: FindOptionsWhere<WebhookEventEntity> = {};
  if (selection.statuses) clause.status = In([...selection.statuses]);
  if (selection.key) clause.key = eventKeyMatching(selection.key);
  const { since, until } = selection;
  if (since && until) clause.receivedAt = And(MoreThanOrEqual(since), LessThan(until));
  else if (since) clause.receivedAt = MoreThanOrEqual(since);
  else if (until) clause.receivedAt = LessThan(until);
  return clause;
}

/** The database for messages, without a password. */
function describeDatabase(url: string | undefined): string {
  const value = url?.trim();
  if (!value) return DEFAULT_SQLITE_PATH;
  if (value.startsWith('sqlite:')) return value.slice('sqlite:'.length) || DEFAULT_SQLITE_PATH;
  try {
    const parsed = new URL(value);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'the database in DATABASE_URL';
  }
}
