import type { DataSource } from 'typeorm';

/** The three SQL families the inbox speaks; everything dialect-specific is decided from this. */
export type Dialect = 'postgres' | 'mysql' | 'sqlite';

export function dialectOf(dataSource: DataSource): Dialect {
  const type = dataSource.options.type;
  if (type === 'postgres') return 'postgres';
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  if (type === 'better-sqlite3' || type === 'sqlite') return 'sqlite';
  throw new Error(`OmiseWebhooks: database type "${type}" is not supported (PostgreSQL, MySQL/MariaDB, SQLite).`);
}

/** Collects bound parameters and writes the placeholder each dialect wants. */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'postgres' ? `$${this.values.length}` : '?';
  }

  /** A time: a Date for PostgreSQL, `YYYY-MM-DD HH:MM:SS.mmm` UTC text (TypeORM's own form) elsewhere. */
  time(date: Date): string {
    return this.add(this.dialect === 'postgres' ? date : date.toISOString().replace('T', ' ').slice(0, 23));
  }

  bool(value: boolean): string {
    return this.add(this.dialect === 'postgres' ? value : value ? 1 : 0);
  }

  list(values: readonly unknown[]): string {
    return values.map((value) => this.add(value)).join(', ');
  }
}
