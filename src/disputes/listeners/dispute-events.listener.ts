import { Injectable } from '@nestjs/common';
import type { EventOutcome } from '../../common/events/event-outcome';
import { OnOmiseEvent } from '../../common/events/on-omise-event.decorator';
import type { OmiseEventOf } from '../../webhooks';
import { DisputesService } from '../disputes.service';

/** create → open (and the charge is flagged disputed); accept → lost; close → won, lost or closed. */
@Injectable()
export class DisputeEventsListener {
  constructor(private readonly disputes: DisputesService) {}

  @OnOmiseEvent('dispute.create')
  onCreate(event: OmiseEventOf<'dispute.create'>): Promise<EventOutcome> {
    return this.disputes.applyDisputeEvent(event);
  }

  @OnOmiseEvent('dispute.update')
  onUpdate(event: OmiseEventOf<'dispute.update'>): Promise<EventOutcome> {
    return this.disputes.applyDisputeEvent(event);
  }

  @OnOmiseEvent('dispute.accept')
  onAccept(event: OmiseEventOf<'dispute.accept'>): Promise<EventOutcome> {
    return this.disputes.applyDisputeEvent(event);
  }

  @OnOmiseEvent('dispute.close')
  onClose(event: OmiseEventOf<'dispute.close'>): Promise<EventOutcome> {
    return this.disputes.applyDisputeEvent(event);
  }
}
