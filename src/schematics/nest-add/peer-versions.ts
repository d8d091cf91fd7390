import type { Database } from './options';

export type NestMajor = 11 | 12;
export const NEST_MAJORS: readonly NestMajor[] = [11, 12];

/**
 * What the module needs beside Nest itself, by the app's Nest major. npm would otherwise resolve the
 * peers to their newest majors, whose ranges accept Nest 11 too: @nestjs/typeorm and
 * @nestjs/event-emitter 12 are ESM only, which a Nest 11 app's CommonJS jest cannot load.
 */
export const PEERS_BY_NEST_MAJOR: Readonly<Record<NestMajor, Readonly<Record<string, string>>>> = {
  11: { '@nestjs/event-emitter': '^3.1.0', '@nestjs/typeorm': '^11.0.3', typeorm: '^0.3.28' },
  12: { '@nestjs/event-emitter': '^12.0.1', '@nestjs/typeorm': '^12.0.2', typeorm: '^1.1.3' },
};

/** The module validates event envelopes with class-validator; a host that has one keeps its own (0.14 or 0.15). */
export const CLASS_VALIDATOR = { 'class-validator': '^0.15.1' } as const;

/** The test kit posts with supertest, which `nest new` puts in every app with tests. */
export const SUPERTEST = { supertest: '^7.0.0' } as const;

/** The driver of each database TypeORM is set up for. */
export const DRIVERS: Readonly<Record<Database, Readonly<Record<string, string>>>> = {
  sqlite: { 'better-sqlite3': '^12.0.0' },
  postgres: { pg: '^8.11.0' },
  mysql: { mysql2: '^3.9.0' },
  mariadb: { mysql2: '^3.9.0' },
};

/** The major a version range starts from: `^11.0.1` → 11, `~12.5.0` → 12, `12.x` → 12. */
export function majorOf(range: string | undefined): number | null {
  const match = range?.match(/(\d+)\.(?:\d+|x|\*)/) ?? range?.match(/^\D*(\d+)\D*$/);
  return match ? Number(match[1]) : null;
}
