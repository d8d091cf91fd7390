import { Injectable } from '@nestjs/common';
import { DispatchWorker } from '../dispatch/dispatch-worker';
import { Masker } from '../masking/masker';
import { AdminStore } from '../store/admin-store';
import { ReplayStore } from '../store/replay-store';
import type { HandlerRunSummary, ReplayFilter, ReplayResult, StoredEventSummary } from '../store/stored-event.types';
import type { WebhookEventStatus } from '../store/webhook-event.entity';
import { type EventListFilter, type EventPage, type EventPageQuery, MAX_LIST_LIMIT, type StoredEventDetail } from './admin.types';

/**
 * The operator's handle on the stored events: list and search them, read one with its handler runs
 * and replay history, count them, re-queue them after a fix. Errors and bodies come out masked
 * (the module's masker, with the host's `mask` option): what this returns is meant for people.
 */
@Injectable()
export class WebhooksAdmin {
  constructor(
    private readonly store: AdminStore,
    private readonly replays: ReplayStore,
    private readonly worker: DispatchWorker,
    private readonly mask: Masker,
  ) {}

  /** Newest first, at most `limit` (default 100, at most 1,000). */
  async list(filter: EventListFilter = {}): Promise<StoredEventSummary[]> {
    return (await this.page(filter)).events;
  }

  /** A page of the newest-first list; pass its `next` as `before` for the following one. */
  async page(query: EventPageQuery = {}): Promise<EventPage> {
    const { before, limit = 100, ...filter } = query;
    const page = await this.store.list(filter, before, Math.max(1, Math.min(limit, MAX_LIST_LIMIT)));
    const last = page.events[page.events.length - 1];
    return {
      events: page.events.map((event) => this.masked(event)),
      next: page.more && last ? { receivedAt: last.receivedAt, eventId: last.eventId } : null,
    };
  }

  async find(eventId: string): Promise<StoredEventDetail | null> {
    const record = await this.store.find(eventId);
    if (!record) return null;
    const runs = (list: HandlerRunSummary[]) => list.map((run) => ({ ...run, lastError: this.mask.nullable(run.lastError) }));
    return {
      ...this.masked(record.event),
      body: this.mask.body(record.bodyText),
      handlerRuns: runs(record.handlerRuns),
      replays: record.replays.map((replay) => ({
        ...replay,
        before: { ...replay.before, lastError: this.mask.nullable(replay.before.lastError) },
        handlerRuns: runs(replay.handlerRuns),
      })),
    };
  }

  counts(): Promise<Record<WebhookEventStatus, number>> {
    return this.store.counts();
  }

  /** How many events `replay` with the same arguments would re-queue now. */
  replayCount(filter: ReplayFilter, options: { force?: boolean } = {}): Promise<number> {
    return this.store.replayCount(filter, options.force ?? false);
  }

  /**
   * Re-queues one event, all dead events, or events by key pattern (`charge.*`), time range and id.
   * Only the handlers that have not succeeded run again, unless `force` (which also re-runs processed
   * and ignored events, every handler). What each event had been through is kept in its replay
   * history, with `actor` (default `app`). Returns how many events were re-queued.
   */
  async replay(filter: ReplayFilter, options: { force?: boolean; actor?: string } = {}): Promise<number> {
    return (await this.replayRecorded(filter, options)).requeued;
  }

  /** `replay`, also telling which history row it wrote. */
  async replayRecorded(filter: ReplayFilter, options: { force?: boolean; actor?: string } = {}): Promise<ReplayResult> {
    const result = await this.replays.replay(filter, { force: options.force, actor: options.actor ?? 'app' });
    if (result.requeued > 0) this.worker.wake();
    return result;
  }

  private masked(event: StoredEventSummary): StoredEventSummary {
    return { ...event, lastError: this.mask.nullable(event.lastError) };
  }
}

/** @deprecated Renamed {@link WebhooksAdmin}, as the module's other classes are named (`WebhooksModule`, `WebhooksAdminModule`). */
export const WebhookAdmin = WebhooksAdmin;
/** @deprecated Renamed {@link WebhooksAdmin}. */
export type WebhookAdmin = WebhooksAdmin;
