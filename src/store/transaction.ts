import type { QueryRunner } from 'typeorm';
import type { Dialect } from './sql-dialect';

/**
 * `work` in a transaction on `runner`, on PostgreSQL and MySQL. On SQLite, TypeORM shares one
 * connection between every caller, so a transaction would take in whatever else runs meanwhile (an
 * intake INSERT that is then acknowledged, and lost if the transaction rolls back), and two would
 * collide. There the statements run one by one, each atomic on its own; callers stay correct if a
 * later one fails.
 */
export async function inTransaction<T>(dialect: Dialect, runner: QueryRunner, work: () => Promise<T>): Promise<T> {
  if (dialect === 'sqlite') return work();
  await runner.startTransaction();
  try {
    const result = await work();
    await runner.commitTransaction();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  }
}
