import type { DataSource, QueryRunner } from 'typeorm';

/*
 * The demo's own SQL helpers for its domain tables (the package keeps its SQL to itself). Migrations
 * that have run depend on what ddlFor returns: keep it small and stable.
 */

export type Dialect = 'postgres' | 'mysql' | 'sqlite';

export function dialectOf(dataSource: DataSource): Dialect {
  const type = String(dataSource.options.type);
  if (type === 'postgres') return 'postgres';
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  if (type === 'better-sqlite3' || type === 'sqlite') return 'sqlite';
  throw new Error(`The demo supports PostgreSQL, MySQL/MariaDB and SQLite, not "${type}".`);
}

/** The column types and table options that differ between the databases, so each migration is written once. */
export interface Ddl {
  /** A UTC instant with milliseconds. */
  readonly time: string;
  readonly bool: string;
  readonly false: string;
  /** A string compared with `<` in byte order (PostgreSQL's default collation is locale order). */
  byteOrdered(length: number): string;
  /** Appended to CREATE TABLE: InnoDB, utf8mb4 with binary collation on MySQL/MariaDB. */
  readonly tableOptions: string;
}

export function ddlFor(queryRunner: QueryRunner): Ddl {
  switch (dialectOf(queryRunner.connection)) {
    case 'postgres':
      return { time: 'timestamptz(3)', bool: 'boolean', false: 'false', byteOrdered: (n) => `varchar(${n}) COLLATE "C"`, tableOptions: '' };
    case 'mysql':
      return {
        time: 'datetime(3)',
        bool: 'tinyint(1)',
        false: '0',
        byteOrdered: (n) => `varchar(${n})`,
        tableOptions: ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
      };
    case 'sqlite':
      return { time: 'datetime', bool: 'boolean', false: '0', byteOrdered: (n) => `varchar(${n})`, tableOptions: '' };
  }
}

/** The larger of two SQL expressions: SQLite's two-argument MAX() is what GREATEST() is elsewhere. */
export function sqlGreatest(dialect: Dialect, a: string, b: string): string {
  return `${dialect === 'sqlite' ? 'MAX' : 'GREATEST'}(${a}, ${b})`;
}
