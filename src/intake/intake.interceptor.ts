import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { mergeMap, type Observable } from 'rxjs';
import { EventDispatcher } from '../dispatch/event-dispatcher';
import type { OmiseEvent, ReceivedDelivery } from '../events/omise-event';
import { IntakeStore, StoreOverloaded, type StoreOutcome } from '../store/intake-store';
import { IntakeError } from './intake-error';

/** What the endpoint answers with 200. Omise only reads the status; this is for people and tests. */
export interface WebhookAck {
  received: true;
  id: string;
  duplicate: boolean;
}

/**
 * Idempotency: stores the event the handler read, keyed by its id, and answers 200 only once the row
 * is committed. A redelivery is answered as a duplicate and not dispatched again; a new event is
 * handed to the dispatcher after its commit. A database that cannot store it gets 503, so Omise
 * delivers again later.
 */
@Injectable()
export class IntakeInterceptor implements NestInterceptor<ReceivedDelivery, WebhookAck> {
  constructor(
    private readonly store: IntakeStore,
    @Inject(EventDispatcher) private readonly dispatcher: EventDispatcher,
  ) {}

  intercept(_context: ExecutionContext, next: CallHandler<ReceivedDelivery>): Observable<WebhookAck> {
    return next.handle().pipe(mergeMap((delivery) => this.acknowledge(delivery)));
  }

  private async acknowledge({ event, text }: ReceivedDelivery): Promise<WebhookAck> {
    const outcome = await this.stored(event, text);
    if (outcome === 'stored') this.dispatcher.dispatch(event);
    return { received: true, id: event.id, duplicate: outcome === 'duplicate' };
  }

  private async stored(event: OmiseEvent, text: string): Promise<StoreOutcome> {
    try {
      return await this.store.store(event, text);
    } catch (error) {
      if (error instanceof StoreOverloaded) {
        throw new IntakeError('store_overloaded', 'Too many events are waiting to be stored; this one was not accepted. Retry later.', undefined, error);
      }
      throw new IntakeError('store_unavailable', 'The event could not be stored; it was not accepted. Retry later.', undefined, error);
    }
  }
}
