import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { from, Observable, of, switchMap, tap } from 'rxjs';
import { EventDispatcher } from '../dispatch/event-dispatcher';
import { parseOmiseEvent, type OmiseEvent } from '../envelope/omise-event';
import { WebhookError } from '../errors/webhook-error';
import type { RawBodyRequest } from '../signature/omise-signature.guard';
import { InboxStore } from './inbox.store';

/** What the endpoint answers with 200. Omise only reads the status; this is for people and tests. */
export interface WebhookAck {
  received: true;
  id: string;
  duplicate: boolean;
}

/** Where the interceptor leaves the parsed event for the controller. */
export const RECEIVED_EVENT = Symbol('OmiseReceivedEvent');
export type IntakeRequest = RawBodyRequest & { [RECEIVED_EVENT]?: OmiseEvent };

/**
 * Idempotent intake: runs after the signature guard. Parses the envelope (400), stores the row
 * (503 if the database cannot), answers a redelivery as a duplicate without running the handler,
 * and hands a new event to the dispatcher only once its row is committed.
 */
@Injectable()
export class InboxInterceptor implements NestInterceptor<WebhookAck, WebhookAck> {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(
    @Inject(InboxStore) private readonly inbox: InboxStore,
    @Inject(EventDispatcher) private readonly dispatcher: EventDispatcher,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler<WebhookAck>): Observable<WebhookAck> {
    const request = context.switchToHttp().getRequest<IntakeRequest>();
    // The guard ran first, so the raw body is there and signed.
    const { event, text } = parseOmiseEvent(request.rawBody as Buffer);
    return from(this.store(event, text)).pipe(
      switchMap((outcome) => {
        if (outcome === 'duplicate') return of<WebhookAck>({ received: true, id: event.id, duplicate: true });
        request[RECEIVED_EVENT] = event;
        return next.handle().pipe(tap(() => this.dispatcher.dispatch(event)));
      }),
    );
  }

  private async store(event: OmiseEvent, text: string) {
    try {
      return await this.inbox.store(event, text);
    } catch (error) {
      // The driver's message only: a query error object also carries the SQL parameters (the body).
      this.logger.error(`could not store ${event.key} ${event.id}: ${(error as Error).message}`);
      throw new WebhookError('store_unavailable', 'The event could not be stored; it was not accepted. Retry later.');
    }
  }
}
