import { Injectable } from '@nestjs/common';
import { Database } from './database';

/** The statuses whose counts stay small and matter to an operator; processed and ignored are history. */
export const WORKING_STATUSES = ['pending', 'processing', 'failed', 'dead'] as const;

export interface EventStatsReading {
  byStatus: Record<(typeof WORKING_STATUSES)[number], number>;
  /** How long the oldest event due for dispatch has waited; 0 when none is due. */
  oldestDueAgeMs: number;
  /** Events still `processing` whose lease ran out this long ago: their worker died or stalled. */
  expiredLeases: number;
}

/**
 * The few numbers health and metrics read, each one range of the (status, …) indexes, so they stay
 * cheap however many processed events the table keeps.
 */
@Injectable()
export class EventStats {
  constructor(private readonly db: Database) {}

  /** `expiredFor`: how long past its expiry a lease counts as stuck (the sweep takes it within one interval). */
  read(expiredFor: number, now = new Date()): Promise<EventStatsReading> {
    return this.db.bounded('reading event stats', async (runner) => {
      const byStatus = { pending: 0, processing: 0, failed: 0, dead: 0 };
      for (const status of WORKING_STATUSES) {
        const p = this.db.params();
        const [row] = (await runner.query(`SELECT COUNT(*) AS n FROM omise_webhook_events WHERE status = ${p.add(status)}`, p.values)) as Array<{ n: number | string }>;
        byStatus[status] = Number(row.n);
      }
      const due = this.db.params();
      const [oldest] = (await runner.query(
        `SELECT MIN(t) AS t FROM (` +
          `SELECT MIN(next_attempt_at) AS t FROM omise_webhook_events WHERE status = 'pending' UNION ALL ` +
          `SELECT MIN(next_attempt_at) FROM omise_webhook_events WHERE status = 'failed' AND next_attempt_at <= ${due.time(now)}) AS due`,
        due.values,
      )) as Array<{ t: number | string | null }>;
      const stuck = this.db.params();
      const [expired] = (await runner.query(
        `SELECT COUNT(*) AS n FROM omise_webhook_events WHERE status = 'processing' AND locked_until < ${stuck.time(new Date(now.getTime() - expiredFor))}`,
        stuck.values,
      )) as Array<{ n: number | string }>;
      const oldestDue = oldest?.t === null || oldest?.t === undefined ? undefined : Number(oldest.t);
      return {
        byStatus,
        oldestDueAgeMs: oldestDue === undefined ? 0 : Math.max(0, now.getTime() - oldestDue),
        expiredLeases: Number(expired.n),
      };
    });
  }
}
