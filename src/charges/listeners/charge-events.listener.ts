import { Injectable } from '@nestjs/common';
import type { EventOutcome } from '../../common/events/event-outcome';
import { OnOmiseEvent } from '../../common/events/on-omise-event.decorator';
import type { OmiseEventOf } from '../../webhooks';
import { ChargesService } from '../charges.service';

/** Every charge event carries the whole charge, so all of them apply the same way, in event order. */
@Injectable()
export class ChargeEventsListener {
  constructor(private readonly charges: ChargesService) {}

  @OnOmiseEvent('charge.create')
  onCreate(event: OmiseEventOf<'charge.create'>): Promise<EventOutcome> {
    return this.charges.applyChargeEvent(event);
  }

  @OnOmiseEvent('charge.update')
  onUpdate(event: OmiseEventOf<'charge.update'>): Promise<EventOutcome> {
    return this.charges.applyChargeEvent(event);
  }

  @OnOmiseEvent('charge.capture')
  onCapture(event: OmiseEventOf<'charge.capture'>): Promise<EventOutcome> {
    return this.charges.applyChargeEvent(event);
  }

  @OnOmiseEvent('charge.reverse')
  onReverse(event: OmiseEventOf<'charge.reverse'>): Promise<EventOutcome> {
    return this.charges.applyChargeEvent(event);
  }

  @OnOmiseEvent('charge.complete')
  onComplete(event: OmiseEventOf<'charge.complete'>): Promise<EventOutcome> {
    return this.charges.applyChargeEvent(event);
  }

  @OnOmiseEvent('charge.expire')
  onExpire(event: OmiseEventOf<'charge.expire'>): Promise<EventOutcome> {
    return this.charges.applyChargeEvent(event);
  }

  @OnOmiseEvent('charge.failed')
  onFailed(event: OmiseEventOf<'charge.failed'>): Promise<EventOutcome> {
    return this.charges.applyChargeEvent(event);
  }

  @OnOmiseEvent('refund.create')
  onRefundCreate(event: OmiseEventOf<'refund.create'>): Promise<EventOutcome> {
    return this.charges.applyRefundEvent(event);
  }
}
