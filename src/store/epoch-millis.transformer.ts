import type { ValueTransformer } from 'typeorm';

/**
 * Times are stored as epoch milliseconds (BIGINT) in every table of the module. One column type that
 * means the same on PostgreSQL, MySQL/MariaDB and SQLite lets one entity describe the schema exactly
 * on all three (TypeORM's `Date` maps to a zone-less type on PostgreSQL), and no connection's time
 * zone setting can shift a value: a lease, a retry time and a received time are plain instants.
 */
export const epochMillis: ValueTransformer = {
  to: (value: Date | null | undefined) => (value instanceof Date ? value.getTime() : value),
  // node-postgres returns BIGINT as a string; the others as a number.
  from: (value: string | number | null) => (value === null || value === undefined ? null : new Date(Number(value))),
};
