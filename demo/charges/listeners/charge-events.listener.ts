import { Injectable } from '@nestjs/common';
import { OnOmiseEvent, type OmiseEventOf } from 'omise-nest-webhooks';
import type { EventOutcome } from '../../common/events/event-outcome';
import { type ChargeEventKey, ChargesService } from '../charges.service';

/** Every charge event carries the whole charge, so all of them apply the same way, in event order. */
@Injectable()
export class ChargeEventsListener {
  constructor(private readonly charges: ChargesService) {}

  @OnOmiseEvent(['charge.create', 'charge.update', 'charge.capture', 'charge.reverse', 'charge.complete', 'charge.expire', 'charge.failed'])
  onCharge(event: OmiseEventOf<ChargeEventKey>): Promise<EventOutcome> {
    return this.charges.applyChargeEvent(event);
  }

  @OnOmiseEvent('refund.create')
  onRefund(event: OmiseEventOf<'refund.create'>): Promise<EventOutcome> {
    return this.charges.applyRefundEvent(event);
  }
}
