import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { mergeMap, type Observable } from 'rxjs';
import { EventDispatcher } from '../dispatch/event-dispatcher';
import type { OmiseEvent, ReceivedDelivery } from '../events/omise-event';
import type { IncomingMessage } from 'node:http';
import { IntakeStore, StoreOverloaded, type StoreOutcome } from '../store/intake-store';
import { WebhookTelemetry } from '../telemetry/telemetry';
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
    private readonly telemetry: WebhookTelemetry,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler<ReceivedDelivery>): Observable<WebhookAck> {
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    return next.handle().pipe(mergeMap((delivery) => this.acknowledge(request, delivery)));
  }

  private async acknowledge(request: IncomingMessage, { event, text }: ReceivedDelivery): Promise<WebhookAck> {
    this.telemetry.intakeEvent(request, event);
    const outcome = await this.telemetry.step(request, 'store', () => this.stored(event, text, this.telemetry.traceParentOf(request)));
    if (outcome === 'stored') this.dispatcher.dispatch(event);
    this.telemetry.intakeAnswered(request, outcome);
    return { received: true, id: event.id, duplicate: outcome === 'duplicate' };
  }

  private async stored(event: OmiseEvent, text: string, traceParent: string | null): Promise<StoreOutcome> {
    try {
      return await this.store.store(event, text, { traceParent });
    } catch (error) {
      if (error instanceof StoreOverloaded) {
        throw new IntakeError('store_overloaded', 'Too many events are waiting to be stored; this one was not accepted. Retry later.', undefined, error);
      }
      throw new IntakeError('store_unavailable', 'The event could not be stored; it was not accepted. Retry later.', undefined, error);
    }
  }
}
