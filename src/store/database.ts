import type { OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import { StoreUnavailable } from '../errors/store.errors';
import { isUnavailable, withDeadline, withDeadlineRetryingLocks } from './deadline';
import { type Dialect, dialectOf, SqlParams } from './sql-dialect';
import { StoreBreaker } from './store-breaker';
import { inTransaction } from './transaction';

/** The Database intake writes through: its own connections (see Database.ownConnections), or the host's pool. */
export const INTAKE_DATABASE = Symbol('IntakeDatabase');

/** A probe's deadline: short, so a database that is back is noticed within a second. */
const PROBE_TIMEOUT_MS = 500;

/**
 * The host's DataSource as the module's stores use it: which SQL to speak, the module's deadline
 * (`databaseTimeoutMs`) on every call, and a breaker that refuses calls at once while the database
 * is not answering. The module makes one and every store takes it; the CLI makes its own, with a
 * deadline for a person waiting rather than for Omise.
 */
export class Database implements OnApplicationShutdown {
  readonly dialect: Dialect;
  readonly breaker: StoreBreaker;
  /** Connections this Database opened itself (intake's own, see {@link ownConnections}): closed with it. */
  private owned = false;

  constructor(
    readonly dataSource: DataSource,
    readonly timeoutMs: number,
    /** Another Database's breaker, when both reach the same server: one view of whether it answers. */
    breaker?: StoreBreaker,
  ) {
    this.dialect = dialectOf(dataSource);
    const probeMs = Math.min(timeoutMs, PROBE_TIMEOUT_MS);
    this.breaker = breaker ?? new StoreBreaker(() => withDeadline(dataSource, probeMs, 'probing the database', (runner) => runner.query('SELECT 1')));
  }

  /**
   * A Database on `connections` connections of its own to the same server (its own pool, opened as
   * they are needed), sharing this one's deadline and breaker: work that must not wait behind the
   * host's use of its pool (intake, behind handlers that hold transactions) goes there. SQLite has no
   * pool to wait in (and one writer at a time): there this Database itself is returned.
   */
  async ownConnections(connections: number): Promise<Database> {
    if (this.dialect === 'sqlite' || connections === 0) return this;
    const options = this.dataSource.options;
    // Every driver that has a pool takes `extra` (node-postgres's and mysql2's pool options).
    const extra = (options as { extra?: Record<string, unknown> }).extra;
    const pool = this.dialect === 'postgres' ? { max: connections } : { connectionLimit: connections };
    const own = new DataSource({
      ...options,
      name: 'omise-webhooks-intake',
      poolSize: connections,
      // The pool's own size wins over what the host's `extra` says for its pool.
      extra: { ...extra, ...pool },
      // Plain SQL only: nothing of the host's schema, logging or caching.
      entities: [],
      subscribers: [],
      migrations: [],
      migrationsRun: false,
      synchronize: false,
      dropSchema: false,
      logging: false,
      cache: false,
    } as DataSourceOptions);
    await own.initialize();
    const database = new Database(own, this.timeoutMs, this.breaker);
    database.owned = true;
    return database;
  }

  async onApplicationShutdown(): Promise<void> {
    this.breaker.stop();
    if (this.owned && this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  /** Bound parameters with this database's placeholders. */
  params(): SqlParams {
    return new SqlParams(this.dialect);
  }

  /** `work` on a connection of its own, within the deadline (see withDeadline); refused at once while the breaker is open. */
  bounded<T>(what: string, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return this.guarded(() => withDeadline(this.dataSource, this.timeoutMs, what, work));
  }

  /** {@link bounded}, tried again when the database picked it as a deadlock's victim: for work safe to repeat. */
  boundedRetryingLocks<T>(what: string, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return this.guarded(() => withDeadlineRetryingLocks(this.dataSource, this.timeoutMs, what, work));
  }

  private async guarded<T>(call: () => Promise<T>): Promise<T> {
    this.breaker.check();
    try {
      const result = await call();
      this.breaker.succeeded();
      return result;
    } catch (error) {
      // Only a database that does not answer counts; a statement it refused is an answer.
      if (isUnavailable(error) && !(error instanceof StoreUnavailable)) this.breaker.failed(error as Error);
      else if (!isUnavailable(error)) this.breaker.succeeded();
      throw error;
    }
  }

  /** One statement, within the deadline. */
  query<T>(what: string, sql: string, values: readonly unknown[]): Promise<T> {
    return this.bounded(what, (runner) => runner.query(sql, [...values]) as Promise<T>);
  }

  /** A transaction on PostgreSQL and MySQL; statement by statement on SQLite (see inTransaction). */
  transaction<T>(runner: QueryRunner, work: () => Promise<T>): Promise<T> {
    return inTransaction(this.dialect, runner, work);
  }
}
