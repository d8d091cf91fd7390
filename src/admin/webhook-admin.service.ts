import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FindOptionsWhere, Repository } from 'typeorm';
import { DispatchWorker } from '../dispatch/dispatch-worker';
import { DispatchStore, type ReplayFilter } from '../store/dispatch-store';
import { eventKeyMatching } from '../store/sql-dialect';
import { SUMMARY_COLUMNS, WebhookEventEntity, type WebhookEventStatus } from '../store/webhook-event.entity';

/** What the stored log shows of an event (the body stays in the table: it may carry card data). */
export type StoredEventSummary = Omit<WebhookEventEntity, 'rawBody' | 'lockedBy' | 'deliveryId'>;

export interface EventListFilter {
  status?: WebhookEventStatus;
  /** Exact key or a pattern with `*` (`charge.*`). */
  key?: string;
  limit?: number;
}

/** The operator's handle on the stored events: look at them, re-queue them after a fix. */
@Injectable()
export class WebhookAdmin {
  constructor(
    private readonly store: DispatchStore,
    private readonly worker: DispatchWorker,
    @InjectRepository(WebhookEventEntity) private readonly events: Repository<WebhookEventEntity>,
  ) {}

  /** Newest first, at most `limit` (default 100, at most 1,000). */
  async list(filter: EventListFilter = {}): Promise<StoredEventSummary[]> {
    const where: FindOptionsWhere<WebhookEventEntity> = {};
    if (filter.status) where.status = filter.status;
    if (filter.key) where.key = eventKeyMatching(filter.key);
    const rows = await this.events.find({
      where,
      order: { receivedAt: 'DESC' },
      take: Math.min(filter.limit ?? 100, 1000),
      select: SUMMARY_COLUMNS,
    });
    return rows;
  }

  /**
   * Re-queues one event, all dead events, or events by key pattern (`charge.*`) and time range.
   * Only the handlers that have not succeeded run again, unless `force` (which also re-runs processed
   * and ignored events, every handler). Returns how many events were re-queued.
   */
  async replay(filter: ReplayFilter, options: { force?: boolean } = {}): Promise<number> {
    const count = await this.store.replay(filter, options.force ?? false);
    if (count > 0) this.worker.nudge();
    return count;
  }
}
