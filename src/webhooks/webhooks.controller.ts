import { applyDecorators, Controller, createParamDecorator, ExecutionContext, HttpCode, Post, SetMetadata, UseFilters, UseGuards, UseInterceptors, Version, VERSION_NEUTRAL } from '@nestjs/common';
import type { OmiseEvent } from './envelope/omise-event';
import { WebhookErrorFilter } from './errors/webhook-error.filter';
import { InboxInterceptor, IntakeRequest, RECEIVED_EVENT, WebhookAck } from './inbox/inbox.interceptor';
import { OmiseSignatureGuard } from './signature/omise-signature.guard';

/** Marks the webhook route, so a host's global guards (auth, API keys) can let it through. */
export const OMISE_WEBHOOK_ROUTE = 'omise-webhooks:route';

/** Everything the intake endpoint is, one concern per line. */
export function OmiseWebhookEndpoint(): MethodDecorator {
  return applyDecorators(
    SetMetadata(OMISE_WEBHOOK_ROUTE, true),
    Post(),
    // The URL is registered in the Omise dashboard: it must not move when the host's API version does.
    Version(VERSION_NEUTRAL),
    HttpCode(200),
    UseFilters(WebhookErrorFilter),
    UseGuards(OmiseSignatureGuard),
    UseInterceptors(InboxInterceptor),
  );
}

/** The verified, stored event of the current request. */
const ReceivedEvent = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<IntakeRequest>()[RECEIVED_EVENT],
);

@Controller()
export class WebhooksController {
  @OmiseWebhookEndpoint()
  receive(@ReceivedEvent() event: OmiseEvent): WebhookAck {
    return { received: true, id: event.id, duplicate: false };
  }
}

/** The controller mounted at the configured path (a subclass, so two mounts never share metadata). */
export function webhooksControllerAt(path: string): typeof WebhooksController {
  class MountedWebhooksController extends WebhooksController {}
  Controller(path)(MountedWebhooksController);
  return MountedWebhooksController;
}
