import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, Repository } from 'typeorm';
import { eventKeyMatching } from '../persistence/sql-dialect';
import { WebhookEventEntity, type WebhookEventStatus } from '../inbox/webhook-event.entity';
import { DispatchQueue, ReplayFilter } from './dispatch-queue';
import { InboxWorker } from './inbox-worker';

/** What the stored log shows of an event (the body stays in the table: it may carry card data). */
export type StoredEventSummary = Omit<WebhookEventEntity, 'rawBody' | 'lockedBy' | 'deliveryId'>;

export interface EventListFilter {
  status?: WebhookEventStatus;
  /** Exact key or a pattern with `*` (`charge.*`). */
  key?: string;
  limit?: number;
}

/** The operator's handle on the inbox: look at stored events, re-queue them after a fix. */
@Injectable()
export class WebhookInbox {
  constructor(
    private readonly queue: DispatchQueue,
    private readonly worker: InboxWorker,
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
      select: ['eventId', 'key', 'livemode', 'receivedAt', 'status', 'attempts', 'nextAttemptAt', 'lockedUntil', 'lastError', 'processedAt'],
    });
    return rows;
  }

  /**
   * Re-queues one event, all dead events, or events by key pattern (`charge.*`) and time range.
   * Only the handlers that have not succeeded run again, unless `force` (which also re-runs processed
   * and ignored events, every handler). Returns how many events were re-queued.
   */
  async replay(filter: ReplayFilter, options: { force?: boolean } = {}): Promise<number> {
    const count = await this.queue.replay(filter, options.force ?? false);
    if (count > 0) this.worker.nudge();
    return count;
  }
}
