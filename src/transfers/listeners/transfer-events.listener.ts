import { Injectable } from '@nestjs/common';
import type { EventOutcome } from '../../common/events/event-outcome';
import { OnOmiseEvent } from '../../common/events/on-omise-event.decorator';
import type { OmiseEventOf } from '../../webhooks';
import { TransfersService } from '../transfers.service';

/** Each key maps to the state its payload shows (see transfer-state.ts); order is kept per transfer. */
@Injectable()
export class TransferEventsListener {
  constructor(private readonly transfers: TransfersService) {}

  @OnOmiseEvent('transfer.create')
  onCreate(event: OmiseEventOf<'transfer.create'>): Promise<EventOutcome> {
    return this.transfers.applyTransferEvent(event);
  }

  @OnOmiseEvent('transfer.update')
  onUpdate(event: OmiseEventOf<'transfer.update'>): Promise<EventOutcome> {
    return this.transfers.applyTransferEvent(event);
  }

  @OnOmiseEvent('transfer.send')
  onSend(event: OmiseEventOf<'transfer.send'>): Promise<EventOutcome> {
    return this.transfers.applyTransferEvent(event);
  }

  @OnOmiseEvent('transfer.pay')
  onPay(event: OmiseEventOf<'transfer.pay'>): Promise<EventOutcome> {
    return this.transfers.applyTransferEvent(event);
  }

  @OnOmiseEvent('transfer.fail')
  onFail(event: OmiseEventOf<'transfer.fail'>): Promise<EventOutcome> {
    return this.transfers.applyTransferEvent(event);
  }

  @OnOmiseEvent('transfer.destroy')
  onDestroy(event: OmiseEventOf<'transfer.destroy'>): Promise<EventOutcome> {
    return this.transfers.applyTransferEvent(event);
  }
}
