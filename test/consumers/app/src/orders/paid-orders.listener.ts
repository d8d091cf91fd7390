import { Injectable } from '@nestjs/common';
import { OnOmiseEvent, type OmiseEventOf } from 'omise-nest-webhooks';

/** A feature module's handler: marks the order of a completed charge paid. */
@Injectable()
export class PaidOrdersListener {
  /** The orders marked paid, in order (a real app updates its own table). */
  readonly paid: string[] = [];

  @OnOmiseEvent('charge.complete')
  markPaid(event: OmiseEventOf<'charge.complete'>): void {
    const orderId = event.data.metadata?.order_id;
    if (typeof orderId === 'string') this.paid.push(orderId);
  }
}
