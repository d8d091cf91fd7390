import type { ValueTransformer } from 'typeorm';

/**
 * Amounts are stored as BIGINT (the smallest currency unit of a large charge can pass 2^31), which
 * the PostgreSQL and MySQL drivers return as strings; amounts stay far below 2^53, so a number is exact.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
