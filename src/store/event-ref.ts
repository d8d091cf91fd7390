import type { SqlParams } from './sql-dialect';

/** An event as the tables key it: its Omise id, for an account (the same id under two accounts is two events). */
export interface EventRef {
  eventId: string;
  account: string;
}

/** One string per event, for maps and sets (a space never appears in an id or an account name). */
export function refKey(ref: EventRef): string {
  return `${ref.account} ${ref.eventId}`;
}

/** `(event_id, account) IN ((…, …), …)`: the rows of these events, a range of each primary key. */
export function refsCondition(p: SqlParams, refs: readonly EventRef[], alias = ''): string {
  if (refs.length === 0) return '1 = 0';
  return `(${alias}event_id, ${alias}account) IN (${refs.map((ref) => `(${p.add(ref.eventId)}, ${p.add(ref.account)})`).join(', ')})`;
}
