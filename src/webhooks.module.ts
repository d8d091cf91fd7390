import { Logger, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { WebhooksAdmin } from './admin/webhooks-admin.service';
import { DispatchWorker } from './dispatch/dispatch-worker';
import { HandlerRegistry } from './dispatch/handler-registry';
import { WebhooksHealthIndicator } from './health/webhooks-health.indicator';
import { Acknowledger } from './intake/acknowledger';
import { DirectRoute } from './intake/direct-route';
import { EventConfirmation } from './intake/event-confirmation';
import { FastifyBodyReader } from './intake/fastify-body.reader';
import { IdempotencyInterceptor } from './intake/idempotency.interceptor';
import { DeliveryVerifier } from './intake/omise-signature.guard';
import { RefusalResponder } from './intake/refusal-responder';
import { WebhookBodyReader } from './intake/webhook-body.reader';
import { Masker } from './masking/masker';
import { ReconcileJob } from './reconcile/reconcile-job';
import { AdminStore } from './store/admin-store';
import { Database, INTAKE_DATABASE } from './store/database';
import { DispatchStore } from './store/dispatch-store';
import { EventStats } from './store/event-stats';
import { IntakeStore } from './store/intake-store';
import { ReplayStore } from './store/replay-store';
import { bodyColumnBytes, dialectOf } from './store/sql-dialect';
import { WebhooksTelemetry } from './telemetry/telemetry';
import { resolveWebhooksConfig, WebhooksConfig } from './webhooks.config';
import { ConfigurableWebhooksModule, WEBHOOKS_EXTRAS, WEBHOOKS_MODULE_OPTIONS } from './webhooks.module-definition';
import type { WebhooksModuleExtras, WebhooksModuleOptions } from './webhooks.options';
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
      useFactory: (options: WebhooksModuleOptions, extras: WebhooksModuleExtras, dataSource: DataSource) => {
        const config = resolveWebhooksConfig(options, extras, bodyColumnBytes(dialectOf(dataSource)));
        if (config.modeDefaulted) {
          new Logger('OmiseWebhooks').warn(
            "mode is not set: test-mode and live-mode events both run the handlers. Set mode: 'live' where real money moves " +
              "(production requires a mode), 'test' for a staging app, or 'any' to say both on purpose.",
          );
        }
        return config;
      },
    },
    // The masker the `mask` option made, for the module's parts and for the host's own logs.
    { provide: Masker, inject: [WebhooksConfig], useFactory: (config: WebhooksConfig) => config.mask },
    // The host's DataSource with the module's deadline: every store below takes it.
    {
      provide: Database,
      inject: [getDataSourceToken(), WebhooksConfig],
      useFactory: (dataSource: DataSource, config: WebhooksConfig) => new Database(dataSource, config.databaseTimeoutMs),
    },
    // Intake's own connections, so handlers that hold the host's pool never delay an acknowledgement.
    {
      provide: INTAKE_DATABASE,
      inject: [Database, WebhooksConfig],
      useFactory: (db: Database, config: WebhooksConfig) => db.ownConnections(config.intakeConnections),
    },
    {
      provide: IntakeStore,
      inject: [INTAKE_DATABASE, WebhooksConfig],
      useFactory: (db: Database, config: WebhooksConfig) => new IntakeStore(db, config.maxPendingDeliveries),
    },
    DispatchStore,
    AdminStore,
    ReplayStore,
    EventStats,
    // Intake: the body reader (Express's router or Fastify's hooks) and the guard ask the verifier; the interceptor stores.
    WebhookBodyReader,
    FastifyBodyReader,
    DeliveryVerifier,
    RefusalResponder,
    EventConfirmation,
    Acknowledger,
    IdempotencyInterceptor,
    DirectRoute,
    // Dispatch.
    HandlerRegistry,
    DispatchWorker,
    ReconcileJob,
    // Operating it.
    WebhooksAdmin,
    WebhooksTelemetry,
    WebhooksHealthIndicator,
  ],
  exports: [WebhooksAdmin, WebhooksHealthIndicator, ReconcileJob, Masker],
})
export class WebhooksModule extends ConfigurableWebhooksModule {}
