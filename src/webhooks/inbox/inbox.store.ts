import type { OmiseEvent } from '../envelope/omise-event';

/** Outcome of storing a delivery: the first delivery of an id is `stored`, every later one `duplicate`. */
export type StoreOutcome = 'stored' | 'duplicate';

/** Durable, deduplicating storage of received events. Resolves only once the row is committed. */
export interface InboxStore {
  store(event: OmiseEvent, rawBody: string): Promise<StoreOutcome>;
}
export const InboxStore = Symbol('InboxStore');
