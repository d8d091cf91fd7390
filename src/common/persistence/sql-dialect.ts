import type { Dialect } from '../../webhooks';

/** The larger of two SQL expressions: SQLite's two-argument MAX() is what GREATEST() is elsewhere. */
export function sqlGreatest(dialect: Dialect, a: string, b: string): string {
  return `${dialect === 'sqlite' ? 'MAX' : 'GREATEST'}(${a}, ${b})`;
}
