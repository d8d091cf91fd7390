import { randomBytes } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';

/*
 * Real databases for the specs that must hold on every supported server (the per-row ordering SQL,
 * the migrations). Which ones: `TEST_DATABASES` (comma-separated sqlite, postgres, mariadb), SQLite
 * alone by default so `npx jest src` needs no server; servers from TEST_POSTGRES_URL / TEST_MARIADB_URL
 * (the same variables the e2e suites read).
 */

export type DatabaseKind = 'sqlite' | 'postgres' | 'mariadb';

export interface ScratchDatabase {
  readonly kind: DatabaseKind;
  readonly options: DataSourceOptions;
  drop(): Promise<void>;
}

const SERVERS = {
  postgres: () => process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mariadb: () => process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test',
};

export function databaseKinds(): DatabaseKind[] {
  const names = (process.env.TEST_DATABASES ?? 'sqlite').split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (name !== 'sqlite' && name !== 'postgres' && name !== 'mariadb') {
      throw new Error(`TEST_DATABASES: unknown database "${name}" (use sqlite, postgres, mariadb).`);
    }
  }
  return names as DatabaseKind[];
}

/** A new, empty database on the server of `kind` (SQLite: in memory), dropped by `drop()`. */
export async function createScratchDatabase(kind: DatabaseKind): Promise<ScratchDatabase> {
  if (kind === 'sqlite') return { kind, options: { type: 'better-sqlite3', database: ':memory:' }, drop: () => Promise.resolve() };
  const name = `omise_domain_${process.pid}_${randomBytes(4).toString('hex')}`;
  const server = new URL(SERVERS[kind]());
  const database = new URL(server);
  database.pathname = `/${name}`;
  const options: DataSourceOptions =
    kind === 'postgres'
      ? { type: 'postgres', url: database.toString() }
      : { type: 'mariadb', url: database.toString(), timezone: 'Z', charset: 'utf8mb4_bin' };
  const admin: DataSourceOptions = { ...options, url: server.toString() };
  await onServer(admin, kind === 'postgres' ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
  return {
    kind,
    options,
    drop: () => onServer(admin, kind === 'postgres' ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`),
  };
}

async function onServer(options: DataSourceOptions, sql: string): Promise<void> {
  const dataSource = await new DataSource(options).initialize();
  try {
    await dataSource.query(sql);
  } finally {
    await dataSource.destroy();
  }
}
