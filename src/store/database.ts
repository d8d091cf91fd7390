import type { OnApplicationShutdown } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import { StoreUnavailable } from '../errors/store.errors';
import { isUnavailable, withDeadline, withDeadlineRetryingLocks } from './deadline';
import { type Dialect, dialectOf, SqlParams } from './sql-dialect';
import { StoreBreaker } from './store-breaker';
import { inTransaction } from './transaction';

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

  constructor(
    readonly dataSource: DataSource,
    readonly timeoutMs: number,
  ) {
    this.dialect = dialectOf(dataSource);
    const probeMs = Math.min(timeoutMs, PROBE_TIMEOUT_MS);
    this.breaker = new StoreBreaker(() => withDeadline(dataSource, probeMs, 'probing the database', (runner) => runner.query('SELECT 1')));
  }

  onApplicationShutdown(): void {
    this.breaker.stop();
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
