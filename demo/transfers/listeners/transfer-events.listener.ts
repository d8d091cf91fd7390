import { Injectable } from '@nestjs/common';
import { OnOmiseEvent, type OmiseEventOf } from 'omise-nest-webhooks';
import type { EventOutcome } from '../../common/events/event-outcome';
import type { TransferEventKey } from '../transfer-state';
import { TransfersService } from '../transfers.service';

/** Each key maps to the state its payload shows (see transfer-state.ts); order is kept per transfer. */
@Injectable()
export class TransferEventsListener {
  constructor(private readonly transfers: TransfersService) {}

  @OnOmiseEvent(['transfer.create', 'transfer.update', 'transfer.send', 'transfer.pay', 'transfer.fail', 'transfer.destroy'])
  onTransfer(event: OmiseEventOf<TransferEventKey>): Promise<EventOutcome> {
    return this.transfers.applyTransferEvent(event);
  }
}
