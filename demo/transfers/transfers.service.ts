import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { applyEventInOrder } from '../common/events/apply-event-in-order';
import type { EventOutcome } from '../common/events/event-outcome';
import { presentValues } from '../common/events/payload-values';
import type { OmiseEventOf } from 'omise-nest-webhooks';
import { type TransferEventKey, transferStateOf } from './transfer-state';
import { TransferEntity } from './transfer.entity';

/** Keeps the `transfers` table in step with transfer events, in event order per transfer. */
@Injectable()
export class TransfersService {
  private readonly logger = new Logger(TransfersService.name);

  constructor(@InjectRepository(TransferEntity) private readonly transfers: Repository<TransferEntity>) {}

  applyTransferEvent(event: OmiseEventOf<TransferEventKey>): Promise<EventOutcome> {
    return applyEventInOrder(this.transfers, this.logger, event, { set: presentValues(transferStateOf(event.key, event.data)) });
  }
}
