import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { applyEventInOrder } from '../common/events/apply-event-in-order';
import { type EventOutcome, ignoreEvent, traceOutcome } from '../common/events/event-outcome';
import { amountValue, idValue, presentValues, subjectIdOf } from '../common/events/payload-values';
import { insertIfAbsent } from '../common/persistence/apply-if-newer';
import { dialectOf, sqlGreatest } from '../common/persistence/sql-dialect';
import type { OmiseEventKey, OmiseEventOf } from 'omise-nest-webhooks';
import { ChargeRefundEntity } from './charge-refund.entity';
import { chargeStateOf } from './charge-state';
import { ChargeEntity } from './charge.entity';

export type ChargeEventKey = Extract<OmiseEventKey, `charge.${string}`>;

/** A charge as `GET /charges/:id` shows it. */
export interface ChargeView {
  id: string;
  status: string | null;
  amount: number | null;
  currency: string | null;
  orderId: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  refundedAmount: number;
  disputed: boolean;
  lastEvent: { id: string; createdAt: string } | null;
}

/**
 * Keeps the `charges` table in step with charge, refund and dispute events. Database errors are
 * thrown to the caller (the event dispatcher retries); an out-of-date event is not an error.
 */
@Injectable()
export class ChargesService {
  private readonly logger = new Logger(ChargesService.name);

  constructor(
    @InjectRepository(ChargeEntity) private readonly charges: Repository<ChargeEntity>,
    @InjectRepository(ChargeRefundEntity) private readonly refunds: Repository<ChargeRefundEntity>,
  ) {}

  /** Applies a `charge.*` event if it is newer than the last one applied to the charge. */
  applyChargeEvent(event: OmiseEventOf<ChargeEventKey>): Promise<EventOutcome> {
    const { refundedAmount, disputed, ...stated } = chargeStateOf(event.data);
    return applyEventInOrder(this.charges, this.logger, event, { set: presentValues(stated), raise: { refundedAmount, disputed } });
  }

  /**
   * Records a refund and raises the charge's refunded amount to at least the sum of its refunds.
   * Refunds are their own objects with a single event each, so they are deduplicated by refund id
   * rather than ordered; they do not move the charge's last applied event, which would make the
   * charge's own older events look stale.
   */
  async applyRefundEvent(event: OmiseEventOf<'refund.create'>): Promise<EventOutcome> {
    const refundId = subjectIdOf(event);
    const chargeId = idValue(event.data.charge);
    const amount = amountValue(event.data.amount);
    if (refundId === undefined || chargeId === undefined || amount === undefined) {
      return ignoreEvent(this.logger, event, 'data is not a refund with an id, a charge id and an amount');
    }
    const inserted = await insertIfAbsent(this.refunds, { refundId, chargeId, amount });
    // Recomputed on every delivery, not only when the refund is new: a retry after a failure here
    // finds the refund already recorded and must still finish the job.
    await insertIfAbsent(this.charges, { chargeId });
    const dialect = dialectOf(this.charges.manager.connection);
    const refundedSoFar = `(SELECT COALESCE(SUM(amount), 0) FROM ${this.refunds.metadata.tablePath} WHERE charge_id = :chargeId)`;
    await this.charges
      .createQueryBuilder()
      .update()
      .set({ refundedAmount: () => sqlGreatest(dialect, 'refunded_amount', refundedSoFar) })
      .where('charge_id = :chargeId', { chargeId })
      .execute();
    return traceOutcome(this.logger, event, chargeId, inserted ? 'applied' : 'duplicate');
  }

  /**
   * Marks a charge disputed (for the disputes module). Idempotent and order-free: the flag only
   * goes up, and a dispute that arrives before its charge creates the row the charge events fill.
   */
  async markDisputed(chargeId: string): Promise<void> {
    await insertIfAbsent(this.charges, { chargeId });
    await this.charges.update({ chargeId }, { disputed: true });
  }

  async findById(chargeId: string): Promise<ChargeView | null> {
    const charge = await this.charges.findOneBy({ chargeId });
    return charge && toView(charge);
  }
}

function toView(charge: ChargeEntity): ChargeView {
  return {
    id: charge.chargeId,
    status: charge.status,
    amount: charge.amount,
    currency: charge.currency,
    orderId: charge.orderId,
    failureCode: charge.failureCode,
    failureMessage: charge.failureMessage,
    refundedAmount: charge.refundedAmount,
    disputed: charge.disputed,
    lastEvent:
      charge.lastEventId && charge.lastEventAt ? { id: charge.lastEventId, createdAt: charge.lastEventAt.toISOString() } : null,
  };
}
