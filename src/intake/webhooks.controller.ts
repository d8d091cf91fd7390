import {
  applyDecorators,
  Controller,
  createParamDecorator,
  type ExecutionContext,
  HttpCode,
  Post,
  SetMetadata,
  UseFilters,
  UseGuards,
  UseInterceptors,
  Version,
  VERSION_NEUTRAL,
} from '@nestjs/common';
import type { ReceivedDelivery } from '../events/omise-event';
import type { ResolvedAccount } from '../webhooks.config';
import { DeliveryContext, type RawBodyRequest } from './delivery-context';
import { EventConfirmation } from './event-confirmation';
import { FastifyWebhookRoute } from './fastify-body.reader';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { readDeliveryOrRefuse } from './intake-refusal';
import { IntakeRefusalFilter } from './intake-refusal.filter';
import { OmiseSignatureGuard } from './omise-signature.guard';

/** Marks the webhook route; read it with {@link isOmiseWebhookRoute}. */
const OMISE_WEBHOOK_ROUTE = 'omise-webhooks:route';

/**
 * Whether a request is headed for the Omise webhook route, for a host's global guards (an API key, a
 * session): Omise signs its requests and cannot send the host's credentials, so such a guard lets
 * the route through and the module's signature guard decides.
 *
 *     canActivate(context) { if (isOmiseWebhookRoute(context)) return true; … }
 */
export function isOmiseWebhookRoute(context: ExecutionContext): boolean {
  return Reflect.getMetadata(OMISE_WEBHOOK_ROUTE, context.getHandler()) === true;
}

/** Everything the intake endpoint is, one concern per line. */
function OmiseWebhookEndpoint(): MethodDecorator {
  return applyDecorators(
    SetMetadata(OMISE_WEBHOOK_ROUTE, true),
    // The default account's endpoint at the path itself, each named account's below it.
    Post(['', ':account']),
    // The URL is registered in the Omise dashboard: it must not move when the host's API version does.
    Version(VERSION_NEUTRAL),
    HttpCode(200),
    UseFilters(IntakeRefusalFilter),
    UseGuards(OmiseSignatureGuard),
    UseInterceptors(IdempotencyInterceptor),
    // On a Fastify host, how the module's body reader finds the route (nothing on Express).
    FastifyWebhookRoute(),
  );
}

/** The signed body, parsed and checked to be an Omise event envelope (400 if it is not). */
const SignedDelivery = createParamDecorator((_data: unknown, context: ExecutionContext): ReceivedDelivery =>
  // The guard ran first: the raw body is there and signed.
  readDeliveryOrRefuse(context.switchToHttp().getRequest<RawBodyRequest>().rawBody as Buffer),
);

/** The account whose endpoint the delivery came to (the guard found it, or refused the request). */
const DeliveryAccount = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ResolvedAccount =>
    DeliveryContext.of(context.switchToHttp().getRequest<RawBodyRequest>()).account as ResolvedAccount,
);

/**
 * The endpoint, in the order Nest runs it: the guard lets only authentic deliveries in, the
 * parameters are the parsed event and its account, the handler returns the delivery to store (the
 * Omise API's copy with `verify: 'signature+fetch'`), and the interceptor stores it once per event
 * id and account and answers.
 */
@Controller()
export class WebhooksController {
  constructor(private readonly confirmation: EventConfirmation) {}

  @OmiseWebhookEndpoint()
  receive(@SignedDelivery() delivery: ReceivedDelivery, @DeliveryAccount() account: ResolvedAccount): ReceivedDelivery | Promise<ReceivedDelivery> {
    return this.confirmation.enabled ? this.confirmation.confirm(delivery, account) : delivery;
  }
}

/** The controller mounted at the configured path (a subclass, so two mounts never share metadata). */
export function webhooksControllerAt(path: string): typeof WebhooksController {
  class MountedWebhooksController extends WebhooksController {}
  Controller(path)(MountedWebhooksController);
  return MountedWebhooksController;
}
