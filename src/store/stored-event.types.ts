import type { HandlerRunStatus } from './handler-run.entity';
import type { WebhookEventEntity, WebhookEventStatus } from './webhook-event.entity';

/*
 * What the module's reads return about stored events: the shapes the admin page, its JSON API, the
 * CLI and a host's own code (`WebhooksAdmin`) see. Public: exported from the package.
 */

/** Which stored events a list, a count or a replay works on. Every field narrows; none means all. */
export interface EventFilter {
  /** One status, or several (the CLI's `--status failed,dead`). */
  status?: WebhookEventStatus | readonly WebhookEventStatus[];
  /** Exact key or a pattern with `*` (`charge.*`); `*` is the only wildcard. */
  key?: string;
  /** received_at ≥ since */
  since?: Date;
  /** received_at < until */
  until?: Date;
  /** An event id or an object id (`data.id`: `chrg_…`), matched exactly. */
  q?: string;
}

/** Where a page of the newest-first list ends: the next page starts after this event. */
export interface EventCursor {
  receivedAt: Date;
  eventId: string;
}

/** Which events a replay re-queues: one, a list of ids, or those matching a filter. */
export type ReplayFilter = { eventId: string } | { eventIds: readonly string[] } | EventFilter;

/** What a list shows of an event (the body stays in the table: it may carry card data). */
export type StoredEventSummary = Omit<WebhookEventEntity, 'bodyText' | 'lockedBy' | 'deliveryId'>;

export interface HandlerRunSummary {
  handler: string;
  status: HandlerRunStatus;
  attempts: number;
  lastError: string | null;
  updatedAt: Date;
}

/** A replay of one event, with the state it reset (what the event and its handlers had been through). */
export interface EventReplay {
  replayId: string;
  replayedAt: Date;
  actor: string;
  /** The filter the replay was given, as an operator reads it (`status=dead key=charge.*`). */
  filter: string;
  forced: boolean;
  before: { status: WebhookEventStatus; attempts: number; lastError: string | null; processedAt: Date | null };
  handlerRuns: HandlerRunSummary[];
}

export interface ReplayResult {
  /** The history row of this replay; null when nothing matched (nothing was recorded). */
  replayId: string | null;
  requeued: number;
}
