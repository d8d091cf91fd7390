import type { DataSourceOptions } from 'typeorm';

/** Where the demo keeps its embedded database when `DATABASE_URL` is not set. */
export const DEFAULT_SQLITE_PATH = './data/omise-webhooks.sqlite';

/**
 * Connection options from one URL: unset → embedded SQLite file, `sqlite:PATH` → that file,
 * `postgres://…` → PostgreSQL, `mysql://…` / `mariadb://…` → MySQL/MariaDB.
 */
export function databaseOptionsFromUrl(url: string | undefined): DataSourceOptions {
  const value = url?.trim();
  if (!value) return { type: 'better-sqlite3', database: DEFAULT_SQLITE_PATH, enableWAL: true };
  if (value.startsWith('sqlite:')) {
    return { type: 'better-sqlite3', database: value.slice('sqlite:'.length) || DEFAULT_SQLITE_PATH, enableWAL: true };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    return {
      type: 'postgres',
      url: value,
      // Give up on a server that does not accept a connection, and find out about a silent one: a
      // failed-over primary leaves half-open sockets that only keepalive (or the module's own
      // deadline, which closes the connection) ever notices. The server ends statements and idle
      // transactions that run away.
      connectTimeoutMS: 3_000,
      // DATABASE_POOL_SIZE: connections of the app's pool (node-postgres' default, 10, when unset).
      poolSize: poolSize(),
      extra: { keepAlive: true, keepAliveInitialDelayMillis: 10_000, statement_timeout: 15_000, idle_in_transaction_session_timeout: 30_000 },
    };
  }
  if (/^(mysql|mariadb):\/\//.test(value)) {
    // Dates travel as UTC; utf8mb4 so any body Omise sends is stored as it came. TypeORM tells
    // MariaDB from MySQL only by `type` (and reads MariaDB's schema right only when told).
    const type = value.startsWith('mariadb:') ? 'mariadb' : 'mysql';
    return {
      type,
      url: value.replace(/^mariadb:/, 'mysql:'),
      timezone: 'Z',
      charset: 'utf8mb4_bin',
      // As for PostgreSQL: bounded connects, keepalive on idle pooled connections.
      connectTimeout: 3_000,
      poolSize: poolSize(),
      extra: { enableKeepAlive: true, keepAliveInitialDelay: 10_000 },
    };
  }
  throw new Error(
    `DATABASE_URL must start with postgres://, mysql://, mariadb:// or sqlite: (or be unset for ${DEFAULT_SQLITE_PATH}).`,
  );
}

function poolSize(): number | undefined {
  const raw = process.env.DATABASE_POOL_SIZE;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[1-9][0-9]*$/.test(raw)) throw new Error(`DATABASE_POOL_SIZE must be a whole number ≥ 1, got "${raw}".`);
  return Number(raw);
}
