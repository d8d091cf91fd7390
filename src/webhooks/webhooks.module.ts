import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OmiseEventsApi } from './confirmation/omise-events-api';
import { DispatchQueue } from './dispatch/dispatch-queue';
import { EventDispatcher } from './dispatch/event-dispatcher';
import { HandlerRegistry } from './dispatch/handler-registry';
import { InboxWorker } from './dispatch/inbox-worker';
import { WebhookInbox } from './dispatch/webhook-inbox.service';
import { InboxInterceptor } from './inbox/inbox.interceptor';
import { InboxStore } from './inbox/inbox.store';
import { TypeOrmInboxStore } from './inbox/typeorm-inbox.store';
import { WebhookEventEntity } from './inbox/webhook-event.entity';
import { RawBodySelfCheck } from './raw-body-self-check';
import { OmiseSignatureGuard } from './signature/omise-signature.guard';
import { ConfigurableWebhooksModule, WEBHOOKS_EXTRAS, WEBHOOKS_MODULE_OPTIONS } from './webhooks.module-definition';
import { resolveWebhooksConfig, WebhooksConfig, WebhooksModuleExtras, WebhooksModuleOptions } from './webhooks.options';

/**
 * The Omise webhook endpoint: signature guard, TypeORM inbox, dispatch to `@OnEvent` listeners.
 *
 * It uses the host's `EventEmitterModule` and default TypeORM DataSource rather than owning either:
 * its entity joins the host's DataSource through `forFeature` (with `autoLoadEntities`, or list
 * `OMISE_WEBHOOK_ENTITIES`), and its tables come from `OMISE_WEBHOOK_MIGRATIONS`.
 */
@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature([WebhookEventEntity])],
  providers: [
    {
      provide: WebhooksConfig,
      inject: [WEBHOOKS_MODULE_OPTIONS, WEBHOOKS_EXTRAS],
      useFactory: (options: WebhooksModuleOptions, extras: WebhooksModuleExtras) => resolveWebhooksConfig(options, extras),
    },
    { provide: InboxStore, useClass: TypeOrmInboxStore },
    HandlerRegistry,
    DispatchQueue,
    InboxWorker,
    { provide: EventDispatcher, useExisting: InboxWorker },
    WebhookInbox,
    OmiseSignatureGuard,
    OmiseEventsApi,
    InboxInterceptor,
    RawBodySelfCheck,
  ],
  exports: [WebhooksConfig, InboxStore, WebhookInbox, InboxWorker],
})
export class WebhooksModule extends ConfigurableWebhooksModule {}
