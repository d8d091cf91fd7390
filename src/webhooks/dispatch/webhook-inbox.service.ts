import { Injectable } from '@nestjs/common';
import { DispatchQueue, ReplayFilter } from './dispatch-queue';
import { InboxWorker } from './inbox-worker';

/** The operator's handle on the inbox: re-queue events after a fix. */
@Injectable()
export class WebhookInbox {
  constructor(
    private readonly queue: DispatchQueue,
    private readonly worker: InboxWorker,
  ) {}

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
