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
import { parseOmiseEvent, type ReceivedDelivery } from '../events/omise-event';
import { EventConfirmation } from './event-confirmation';
import { IntakeErrorFilter } from './intake-error.filter';
import { IntakeInterceptor } from './intake.interceptor';
import { OmiseSignatureGuard } from './omise-signature.guard';
import type { RawBodyRequest } from './delivery-headers';

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
    Post(),
    // The URL is registered in the Omise dashboard: it must not move when the host's API version does.
    Version(VERSION_NEUTRAL),
    HttpCode(200),
    UseFilters(IntakeErrorFilter),
    UseGuards(OmiseSignatureGuard),
    UseInterceptors(IntakeInterceptor),
  );
}

/** The signed body, parsed and checked to be an Omise event envelope (400 if it is not). */
const SignedEvent = createParamDecorator((_data: unknown, context: ExecutionContext): ReceivedDelivery =>
  // The guard ran first: the raw body is there and signed.
  parseOmiseEvent(context.switchToHttp().getRequest<RawBodyRequest>().rawBody as Buffer),
);

/**
 * The endpoint: the guard verifies the signature, the handler reads the event (and confirms it with
 * the Omise API when so configured), and the interceptor stores it idempotently and answers.
 */
@Controller()
export class WebhooksController {
  constructor(private readonly confirmation: EventConfirmation) {}

  @OmiseWebhookEndpoint()
  receive(@SignedEvent() delivery: ReceivedDelivery): Promise<ReceivedDelivery> {
    return this.confirmation.confirm(delivery);
  }
}

/** The controller mounted at the configured path (a subclass, so two mounts never share metadata). */
export function webhooksControllerAt(path: string): typeof WebhooksController {
  class MountedWebhooksController extends WebhooksController {}
  Controller(path)(MountedWebhooksController);
  return MountedWebhooksController;
}
