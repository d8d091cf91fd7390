import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import type { DataSourceOptions } from 'typeorm';

/** A database made for one test file, on a real server (or a real SQLite file), dropped afterwards. */
export interface TestDatabase {
  readonly options: DataSourceOptions;
  /** The same database as a DATABASE_URL, for child processes. */
  readonly url: string;
  drop(): Promise<void>;
}

export interface TestDatabaseKind {
  readonly name: 'sqlite' | 'postgres' | 'mariadb';
  create(): Promise<TestDatabase>;
}

const PG_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MARIADB_ADMIN_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

const uniqueName = () => `omise_t_${process.pid}_${randomBytes(4).toString('hex')}`;

const sqlite: TestDatabaseKind = {
  name: 'sqlite',
  create() {
    const file = join(tmpdir(), `${uniqueName()}.sqlite`);
    return Promise.resolve({
      options: { type: 'better-sqlite3', database: file, enableWAL: true },
      url: `sqlite:${file}`,
      drop() {
        for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
        return Promise.resolve();
      },
    });
  },
};

const postgres: TestDatabaseKind = {
  name: 'postgres',
  async create() {
    const name = uniqueName();
    await withPg((client) => client.query(`CREATE DATABASE ${name}`));
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    return {
      options: { type: 'postgres', url: url.toString() },
      url: url.toString(),
      drop: () => withPg((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
    };
  },
};

const mariadb: TestDatabaseKind = {
  name: 'mariadb',
  async create() {
    const name = uniqueName();
    await withMariadb((connection) => connection.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`));
    const url = new URL(MARIADB_ADMIN_URL);
    url.pathname = `/${name}`;
    return {
      // type mariadb: TypeORM reads MariaDB's schema right only when told it is MariaDB.
      options: { type: 'mariadb', url: url.toString(), timezone: 'Z', charset: 'utf8mb4_bin' },
      url: url.toString().replace(/^mysql:/, 'mariadb:'),
      drop: () => withMariadb((connection) => connection.query(`DROP DATABASE IF EXISTS ${name}`)).then(() => undefined),
    };
  },
};

const KINDS: Record<string, TestDatabaseKind> = { sqlite, postgres, mariadb };

/**
 * The databases the e2e suites run against: `TEST_DATABASES` (comma-separated: sqlite, postgres,
 * mariadb), SQLite alone by default so `npm test` needs no server. CI sets all three.
 */
export function testDatabases(only?: ReadonlyArray<TestDatabaseKind['name']>): TestDatabaseKind[] {
  const names = (process.env.TEST_DATABASES ?? 'sqlite').split(',').map((n) => n.trim()).filter(Boolean);
  const kinds = names.map((name) => {
    const kind = KINDS[name];
    if (!kind) throw new Error(`TEST_DATABASES: unknown database "${name}" (sqlite, postgres, mariadb)`);
    return kind;
  });
  return only ? kinds.filter((kind) => only.includes(kind.name)) : kinds;
}

/**
 * `describe.each` over the configured databases among `only`. A suite for a server that this run does
 * not use (e.g. PostgreSQL under the default `TEST_DATABASES=sqlite`) is simply not defined: jest's
 * `describe.each([])` would fail the file instead.
 */
export function describeOnDatabases(
  only: ReadonlyArray<TestDatabaseKind['name']>,
  title: string,
  suite: (kind: TestDatabaseKind) => void,
): void {
  const kinds = testDatabases(only);
  if (kinds.length > 0) describe.each(kinds)(title, suite);
}

async function withPg<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function withMariadb<T>(run: (connection: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const connection = await createConnection(MARIADB_ADMIN_URL);
  try {
    return await run(connection);
  } finally {
    await connection.end();
  }
}
