import type { EventCursor, EventFilter, EventReplay, HandlerRunSummary, StoredEventSummary } from '../store/stored-event.types';

/*
 * What `WebhooksAdmin` takes and returns beyond the stored-event shapes. Public: exported from the
 * package.
 */

/** The most events one list call or page returns. */
export const MAX_LIST_LIMIT = 1000;

export interface EventListFilter extends EventFilter {
  /** Default 100, at most 1,000. */
  limit?: number;
}

export interface EventPageQuery extends EventListFilter {
  /** The `next` of the previous page. */
  before?: EventCursor;
}

export interface EventPage {
  events: StoredEventSummary[];
  /** Where the next (older) page starts; null on the last page. */
  next: EventCursor | null;
}

/** One stored event for a person to read: card data and secrets masked everywhere. */
export interface StoredEventDetail extends StoredEventSummary {
  /** The stored body, pretty-printed and masked. */
  body: string;
  handlerRuns: HandlerRunSummary[];
  /** Newest first: what each replay reset. */
  replays: EventReplay[];
}
