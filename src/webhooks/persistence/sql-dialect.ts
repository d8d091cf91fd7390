import { Raw, type DataSource, type FindOperator, type QueryRunner } from 'typeorm';

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

/**
 * The column types and table options that differ between the databases, so each migration is written
 * once. Kept deliberately small and stable: migrations that have run depend on what it returns.
 */
export interface Ddl {
  /** A UTC instant with milliseconds. */
  readonly time: string;
  readonly bool: string;
  readonly false: string;
  /** Text up to the body limit (MySQL's TEXT stops at 64 KiB). */
  readonly longText: string;
  /** A string compared with `<` in byte order (PostgreSQL's default collation is locale order). */
  byteOrdered(length: number): string;
  /** Appended to CREATE TABLE: InnoDB, utf8mb4 with binary collation on MySQL/MariaDB. */
  readonly tableOptions: string;
}

export function ddlFor(queryRunner: QueryRunner): Ddl {
  switch (dialectOf(queryRunner.connection)) {
    case 'postgres':
      return {
        time: 'timestamptz(3)',
        bool: 'boolean',
        false: 'false',
        longText: 'text',
        byteOrdered: (length) => `varchar(${length}) COLLATE "C"`,
        tableOptions: '',
      };
    case 'mysql':
      return {
        time: 'datetime(3)',
        bool: 'tinyint(1)',
        false: '0',
        longText: 'mediumtext',
        byteOrdered: (length) => `varchar(${length})`,
        tableOptions: ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
      };
    case 'sqlite':
      return {
        time: 'datetime',
        bool: 'boolean',
        false: '0',
        longText: 'text',
        byteOrdered: (length) => `varchar(${length})`,
        tableOptions: '',
      };
  }
}

/**
 * An event-key pattern (`charge.*`: `*` for any run of characters) as a LIKE pattern with `!` as its
 * escape character, so the `_` of `linked_account` and any `%` stay literal.
 */
export function keyPatternToLike(pattern: string): string {
  return pattern.replace(/[!%_]/g, (c) => `!${c}`).replace(/\*/g, '%');
}

/** A key or key pattern as a TypeORM find condition on the event key column. */
export function eventKeyMatching(pattern: string): string | FindOperator<string> {
  if (!pattern.includes('*')) return pattern;
  return Raw((column) => `${column} LIKE :keyPattern ESCAPE '!'`, { keyPattern: keyPatternToLike(pattern) });
}
