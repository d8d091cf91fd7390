import { Raw, type DataSource, type FindOperator } from 'typeorm';

/** The three SQL families the module speaks; everything dialect-specific is decided from this. */
export type Dialect = 'postgres' | 'mysql' | 'sqlite';

export function dialectOf(dataSource: DataSource): Dialect {
  // As a string: TypeORM 1 dropped 'sqlite' from its type union, 0.3 still has it.
  const type = String(dataSource.options.type);
  if (type === 'postgres') return 'postgres';
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  if (type === 'better-sqlite3' || type === 'sqlite') return 'sqlite';
  throw new Error(`OmiseWebhooks: database type "${type}" is not supported (PostgreSQL, MySQL/MariaDB, SQLite).`);
}

/** MySQL's TEXT, the type of `raw_body` there (the same entity serves every database; see the migration). */
export const MYSQL_TEXT_BYTES = 65_535;

/** The most the body column holds on this database: the ceiling of `maxBodyBytes`. */
export function bodyColumnBytes(dialect: Dialect): number {
  return dialect === 'mysql' ? MYSQL_TEXT_BYTES : Infinity;
}

/** Collects bound parameters and writes the placeholder each dialect wants. */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'postgres' ? `$${this.values.length}` : '?';
  }

  /** A time, as the tables keep it: epoch milliseconds (see epoch-millis.transformer.ts). */
  time(date: Date): string {
    return this.add(date.getTime());
  }

  bool(value: boolean): string {
    return this.add(this.dialect === 'postgres' ? value : value ? 1 : 0);
  }

  list(values: readonly unknown[]): string {
    return values.map((value) => this.add(value)).join(', ');
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

/** The rows of an `UPDATE … RETURNING`: node-postgres answers one with [rows, count] through TypeORM. */
export function updatedRows<T>(dialect: Dialect, result: unknown): T[] {
  return (dialect === 'postgres' ? (result as [T[], number])[0] : result) as T[];
}
