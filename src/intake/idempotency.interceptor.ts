import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { mergeMap, type Observable } from 'rxjs';
import type { ReceivedDelivery } from '../events/omise-event';
import type { ResolvedAccount } from '../webhooks.config';
import { Acknowledger } from './acknowledger';
import { DeliveryContext } from './delivery-context';
import type { WebhookAck } from './intake.types';

/**
 * Idempotency on Nest's route: stores the delivery the endpoint returns, keyed by its event id and
 * account, and answers 200 only once the row is committed, a redelivery as a duplicate (see
 * {@link Acknowledger}).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor<ReceivedDelivery, WebhookAck> {
  constructor(private readonly acknowledger: Acknowledger) {}

  intercept(context: ExecutionContext, next: CallHandler<ReceivedDelivery>): Observable<WebhookAck> {
    const delivery = DeliveryContext.of(context.switchToHttp().getRequest<IncomingMessage>());
    // The guard found it: a request for no account of this app never gets past the guard.
    const account = delivery.account as ResolvedAccount;
    return next.handle().pipe(mergeMap((received) => this.acknowledger.acknowledge(received, account, delivery.trace)));
  }
}
