import type { DataSource } from 'typeorm';

/** The SQL families the domain tables are written for (MariaDB speaks the `mysql` family). */
export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

export function sqlDialectOf(dataSource: DataSource): SqlDialect {
  const type = dataSource.options.type;
  if (type === 'postgres') return 'postgres';
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  if (type === 'better-sqlite3' || type === 'sqlite') return 'sqlite';
  throw new Error(`Database type "${type}" is not supported by the domain modules (use PostgreSQL, MySQL/MariaDB or SQLite).`);
}

/** The larger of two SQL expressions: SQLite's two-argument MAX() is what GREATEST() is elsewhere. */
export function sqlGreatest(dialect: SqlDialect, a: string, b: string): string {
  return `${dialect === 'sqlite' ? 'MAX' : 'GREATEST'}(${a}, ${b})`;
}
