import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { mergeMap, type Observable } from 'rxjs';
import type { ReceivedDelivery } from '../events/omise-event';
import { type IntakeOutcome, IntakeStore } from '../store/intake-store';
import { WebhooksTelemetry } from '../telemetry/telemetry';
import { DeliveryContext } from './delivery-context';
import { storeRefusal } from './intake-refusal';
import type { WebhookAck } from './intake.types';

/**
 * Idempotency: stores the delivery the endpoint returns, keyed by its event id, and answers 200 only
 * once the row is committed. The first delivery of an id is `stored` (and the store wakes the
 * worker); every later one is answered as a duplicate and changes nothing. A database that cannot
 * store it gets 503, so Omise delivers it again later.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor<ReceivedDelivery, WebhookAck> {
  constructor(
    private readonly store: IntakeStore,
    private readonly telemetry: WebhooksTelemetry,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler<ReceivedDelivery>): Observable<WebhookAck> {
    const { trace } = DeliveryContext.of(context.switchToHttp().getRequest<IncomingMessage>());
    return next.handle().pipe(
      mergeMap(async ({ event, bodyText }) => {
        this.telemetry.intakeEvent(trace, event);
        const outcome = await this.telemetry.step(trace, 'store', () => this.stored(event, bodyText, this.telemetry.traceParentOf(trace)));
        this.telemetry.intakeAnswered(trace, outcome);
        return { received: true as const, id: event.id, duplicate: outcome === 'duplicate' };
      }),
    );
  }

  private async stored(event: ReceivedDelivery['event'], bodyText: string, traceParent: string | null): Promise<IntakeOutcome> {
    try {
      return await this.store.store(event, bodyText, { traceParent });
    } catch (error) {
      throw storeRefusal(error);
    }
  }
}
