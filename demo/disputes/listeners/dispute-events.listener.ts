import { Injectable } from '@nestjs/common';
import { OnOmiseEvent, type OmiseEventOf } from 'omise-nest-webhooks';
import type { EventOutcome } from '../../common/events/event-outcome';
import type { DisputeEventKey } from '../dispute-state';
import { DisputesService } from '../disputes.service';

/** create → open (and the charge is flagged disputed); accept → lost; close → won, lost or closed. */
@Injectable()
export class DisputeEventsListener {
  constructor(private readonly disputes: DisputesService) {}

  @OnOmiseEvent(['dispute.create', 'dispute.update', 'dispute.accept', 'dispute.close'])
  onDispute(event: OmiseEventOf<DisputeEventKey>): Promise<EventOutcome> {
    return this.disputes.applyDisputeEvent(event);
  }
}
