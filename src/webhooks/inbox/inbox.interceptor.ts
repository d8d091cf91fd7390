import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { from, Observable, of, switchMap, tap } from 'rxjs';
import { EventDispatcher } from '../dispatch/event-dispatcher';
import { OmiseEventsApi } from '../confirmation/omise-events-api';
import { parseOmiseEvent, type OmiseEvent } from '../envelope/omise-event';
import { WebhooksConfig } from '../webhooks.options';
import { WebhookError } from '../errors/webhook-error';
import type { RawBodyRequest } from '../signature/omise-signature.guard';
import { InboxStore, type StoreOutcome } from './inbox.store';

/** What the endpoint answers with 200. Omise only reads the status; this is for people and tests. */
export interface WebhookAck {
  received: true;
  id: string;
  duplicate: boolean;
}

/** Where the interceptor leaves the parsed event for the controller. */
export const RECEIVED_EVENT = Symbol('OmiseReceivedEvent');
type ParsedEvent = ReturnType<typeof parseOmiseEvent>;

export type IntakeRequest = RawBodyRequest & { [RECEIVED_EVENT]?: OmiseEvent };

/**
 * Idempotent intake: runs after the signature guard. Parses the envelope (400), optionally confirms
 * it with the Omise API, stores the row (503 if the database cannot), answers a redelivery as a
 * duplicate without running the handler, and hands a new event to the dispatcher only once its row
 * is committed.
 */
@Injectable()
export class InboxInterceptor implements NestInterceptor<WebhookAck, WebhookAck> {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(
    @Inject(InboxStore) private readonly inbox: InboxStore,
    @Inject(EventDispatcher) private readonly dispatcher: EventDispatcher,
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly api: OmiseEventsApi,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler<WebhookAck>): Observable<WebhookAck> {
    const request = context.switchToHttp().getRequest<IntakeRequest>();
    return from(this.accept(request)).pipe(
      switchMap(({ event, outcome }) => {
        if (outcome === 'duplicate') return of<WebhookAck>({ received: true, id: event.id, duplicate: true });
        request[RECEIVED_EVENT] = event;
        return next.handle().pipe(tap(() => this.dispatcher.dispatch(event)));
      }),
    );
  }

  /** Parse (400), confirm with the API if configured (401/503), store (503): then it is acknowledged. */
  private async accept(request: IntakeRequest): Promise<{ event: OmiseEvent; outcome: StoreOutcome }> {
    // The guard ran first, so the raw body is there and signed.
    const { event, text } = await this.confirm(parseOmiseEvent(request.rawBody as Buffer));
    return { event, outcome: await this.store(event, text) };
  }

  /** With `verify: 'signature+fetch'`, swaps the delivered event for the API's copy of it. */
  private async confirm(delivered: ParsedEvent): Promise<ParsedEvent> {
    if (this.config.verify !== 'signature+fetch') return delivered;
    const raw = await this.api.fetchEvent(delivered.event.id);
    const confirmed = raw && parseOmiseEvent(raw);
    if (!confirmed || confirmed.event.id !== delivered.event.id) {
      throw new WebhookError('event_not_confirmed', 'The Omise API does not know this event; it was not accepted.');
    }
    return confirmed;
  }

  private async store(event: OmiseEvent, text: string): Promise<StoreOutcome> {
    try {
      return await this.inbox.store(event, text);
    } catch (error) {
      // The driver's message only: a query error object also carries the SQL parameters (the body).
      this.logger.error(`could not store ${event.key} ${event.id}: ${(error as Error).message}`);
      throw new WebhookError('store_unavailable', 'The event could not be stored; it was not accepted. Retry later.');
    }
  }
}
