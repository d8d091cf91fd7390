import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ChargesService } from '../charges/charges.service';
import { applyEventInOrder } from '../common/events/apply-event-in-order';
import type { EventOutcome } from '../common/events/event-outcome';
import { presentValues } from '../common/events/payload-values';
import type { OmiseEventOf } from 'omise-nest-webhooks';
import { type DisputeEventKey, disputeStateOf } from './dispute-state';
import { DisputeEntity } from './dispute.entity';

/** Keeps the `disputes` table in step with dispute events, and flags the disputed charges. */
@Injectable()
export class DisputesService {
  private readonly logger = new Logger(DisputesService.name);

  constructor(
    @InjectRepository(DisputeEntity) private readonly disputes: Repository<DisputeEntity>,
    private readonly charges: ChargesService,
  ) {}

  async applyDisputeEvent(event: OmiseEventOf<DisputeEventKey>): Promise<EventOutcome> {
    const state = disputeStateOf(event.key, event.data);
    const outcome = await applyEventInOrder(this.disputes, this.logger, event, { set: presentValues(state) });
    // Whatever the event's order: any dispute event proves the charge was disputed, and marking is
    // idempotent. It runs on duplicates too, so a retry after a failure here completes the marking.
    if (outcome !== 'ignored' && state.chargeId) await this.charges.markDisputed(state.chargeId);
    return outcome;
  }
}
