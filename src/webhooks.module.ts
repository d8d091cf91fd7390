import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AdminStore } from './admin/admin-store';
import { ReplayStore } from './admin/replay-store';
import { WebhookAdmin } from './admin/webhook-admin.service';
import { DispatchWorker } from './dispatch/dispatch-worker';
import { EventDispatcher } from './dispatch/event-dispatcher';
import { HandlerRegistry } from './dispatch/handler-registry';
import { EventConfirmation } from './intake/event-confirmation';
import { Masker } from './masking/masker';
import { IntakeInterceptor } from './intake/intake.interceptor';
import { OmiseSignatureGuard } from './intake/omise-signature.guard';
import { IntakeRefusals } from './intake/refusals';
import { WebhookBodyReader } from './intake/webhook-body';
import { ReconcileJob } from './reconcile/reconcile-job';
import { DispatchStore } from './store/dispatch-store';
import { IntakeStore } from './store/intake-store';
import { dialectOf } from './store/sql-dialect';
import { WebhooksHealthIndicator } from './health/webhooks-health.indicator';
import { WebhookTelemetry } from './telemetry/telemetry';
import { ConfigurableWebhooksModule, WEBHOOKS_EXTRAS, WEBHOOKS_MODULE_OPTIONS } from './webhooks.module-definition';
import { resolveWebhooksConfig, WebhooksConfig, type WebhooksModuleExtras, type WebhooksModuleOptions } from './webhooks.options';
import { OMISE_WEBHOOK_ENTITIES } from './webhooks.schema';

/**
 * The Omise webhook endpoint: signature guard, idempotent intake into the host's database, durable
 * dispatch to `@OnEvent` / `@OnOmiseEvent` listeners.
 *
 * It uses the host's `EventEmitterModule` and default TypeORM DataSource rather than owning either:
 * its entities join the host's DataSource through `forFeature` (with `autoLoadEntities`, or list
 * `OMISE_WEBHOOK_ENTITIES`), and its tables come from `OMISE_WEBHOOK_MIGRATIONS`.
 */
@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature(OMISE_WEBHOOK_ENTITIES)],
  providers: [
    {
      provide: WebhooksConfig,
      inject: [WEBHOOKS_MODULE_OPTIONS, WEBHOOKS_EXTRAS, getDataSourceToken()],
      useFactory: (options: WebhooksModuleOptions, extras: WebhooksModuleExtras, dataSource: DataSource) =>
        resolveWebhooksConfig(options, extras, dialectOf(dataSource)),
    },
    // The masker the `mask` option made, for the module's parts and for the host's own logs.
    { provide: Masker, inject: [WebhooksConfig], useFactory: (config: WebhooksConfig) => config.mask },
    IntakeStore,
    {
      provide: DispatchStore,
      inject: [getDataSourceToken(), WebhooksConfig],
      useFactory: (dataSource: DataSource, config: WebhooksConfig) => new DispatchStore(dataSource, config.databaseTimeoutMs),
    },
    HandlerRegistry,
    DispatchWorker,
    { provide: EventDispatcher, useExisting: DispatchWorker },
    {
      provide: AdminStore,
      inject: [getDataSourceToken(), WebhooksConfig],
      useFactory: (dataSource: DataSource, config: WebhooksConfig) => new AdminStore(dataSource, config.databaseTimeoutMs),
    },
    {
      provide: ReplayStore,
      inject: [getDataSourceToken(), WebhooksConfig],
      useFactory: (dataSource: DataSource, config: WebhooksConfig) => new ReplayStore(dataSource, config.databaseTimeoutMs),
    },
    WebhookAdmin,
    OmiseSignatureGuard,
    EventConfirmation,
    IntakeInterceptor,
    IntakeRefusals,
    WebhookTelemetry,
    WebhooksHealthIndicator,
    WebhookBodyReader,
    ReconcileJob,
  ],
  exports: [WebhookAdmin, DispatchWorker, WebhooksHealthIndicator, ReconcileJob, Masker],
})
export class WebhooksModule extends ConfigurableWebhooksModule {}
