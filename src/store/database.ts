import type { DataSource, QueryRunner } from 'typeorm';
import { withDeadline, withDeadlineRetryingLocks } from './deadline';
import { type Dialect, dialectOf, SqlParams } from './sql-dialect';
import { inTransaction } from './transaction';

/**
 * The host's DataSource as the module's stores use it: which SQL to speak, and the module's
 * deadline (`databaseTimeoutMs`) on every call. The module makes one and every store takes it; the
 * CLI makes its own, with a deadline for a person waiting rather than for Omise.
 */
export class Database {
  readonly dialect: Dialect;

  constructor(
    readonly dataSource: DataSource,
    readonly timeoutMs: number,
  ) {
    this.dialect = dialectOf(dataSource);
  }

  /** Bound parameters with this database's placeholders. */
  params(): SqlParams {
    return new SqlParams(this.dialect);
  }

  /** `work` on a connection of its own, within the deadline (see withDeadline). */
  bounded<T>(what: string, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return withDeadline(this.dataSource, this.timeoutMs, what, work);
  }

  /** {@link bounded}, tried again when the database picked it as a deadlock's victim: for work safe to repeat. */
  boundedRetryingLocks<T>(what: string, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return withDeadlineRetryingLocks(this.dataSource, this.timeoutMs, what, work);
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
