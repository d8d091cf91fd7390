/*
 * omise-nest-webhooks: the public API. Everything a host app uses is exported here and nothing else;
 * the test kit is `omise-nest-webhooks/testing`, the CLI the `omise-webhooks` bin.
 */

// The module and its options.
export { WebhooksModule } from './webhooks.module';
export { parseOmiseMode } from './webhooks.config';
export {
  DEFAULT_WEBHOOK_PATH,
  type DispatchOptions,
  type OmiseAccountOptions,
  type OmiseMode,
  type OmiseApiOptions,
  type ReconcileOptions,
  type RetryPolicy,
  type WebhooksModuleAsyncOptions,
  type WebhooksModuleExtras,
  type WebhooksModuleOptions,
  type WebhooksOptionsFactory,
} from './webhooks.options';

// Handlers: the decorator, the event and the catalogue of keys with their payload types.
export { OnOmiseEvent } from './events/on-omise-event.decorator';
export type { OmiseEventContext, OnOmiseEventOptions } from './events/omise-event-context';
export { DEFAULT_ACCOUNT, modeOf } from './events/omise-mode';
export { parseOmiseEvent, type OmiseEvent, type OmiseObject } from './events/omise-event';
export * from './events/omise-event-catalogue';

// Errors a host may catch: parseOmiseEvent's, and the database's through WebhooksAdmin and ReconcileJob.
export * from './errors';

// The endpoint: for host guards, and what it answers.
export { isOmiseWebhookRoute } from './intake/webhooks.controller';
export type { IntakeRefusalBody, IntakeRefusalReason, WebhookAck } from './intake/intake.types';
/** @deprecated Renamed IntakeRefusalBody. */
export type { IntakeRefusalBody as IntakeErrorBody } from './intake/intake.types';
/** @deprecated Renamed IntakeRefusalReason. */
export type { IntakeRefusalReason as IntakeErrorReason } from './intake/intake.types';

// Operating it: stored events, replay, reconciliation.
export { WebhooksAdmin, WebhookAdmin } from './admin/webhooks-admin.service';
export { MAX_LIST_LIMIT, type EventListFilter, type EventPage, type EventPageQuery, type StoredEventDetail } from './admin/admin.types';
export type {
  EventCursor,
  EventFilter,
  EventReplay,
  HandlerRunSummary,
  ReplayFilter,
  ReplayResult,
  StoredEventSummary,
} from './store/stored-event.types';
export { ReconcileJob } from './reconcile/reconcile-job';
export type { ReconcileCounts } from './reconcile/reconcile.types';

// What leaves the process is masked: the `mask` option's masker, injectable for the host's own logs.
export { MASK_RULES, MASKED, Masker, type MaskOptions, type MaskRule } from './masking/masker';

// The optional admin page and JSON API, behind the host's guard.
export { WebhooksAdminModule } from './admin/webhooks-admin.module';
export { DEFAULT_ADMIN_PATH, type WebhooksAdminModuleExtras, type WebhooksAdminModuleOptions } from './admin/webhooks-admin.options';
export type { ActorOf, AdminRequest } from './admin/admin-request';

// Watching it: health for the host's /health, lifecycle events for alerting (metrics and spans
// need no import: they are options of WebhooksModule).
export { WebhooksHealthIndicator } from './health/webhooks-health.indicator';
export type { ReadinessOptions, WebhooksHealthResult } from './health/health.types';
export * from './telemetry/lifecycle-events';

// The schema: entities and migrations for the host's DataSource.
export { OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS } from './webhooks.schema';
export { WEBHOOK_EVENT_STATUSES, WebhookEventEntity, type WebhookEventSource, type WebhookEventStatus } from './store/webhook-event.entity';
export { HandlerRunEntity, type HandlerRunStatus } from './store/handler-run.entity';
export { ReplayedEventEntity, ReplayedRunEntity, ReplayEntity } from './store/replay.entity';

// Omise's wire format: sign and serialize as Omise does, verify as the endpoint does.
export { signOmiseWebhook, type OmiseWebhookHeaders, type SignOptions } from './wire/sign-omise-webhook';
export { serializeOmiseEvent } from './wire/serialize-omise-event';
export { verifyOmiseSignature, type SignatureFailure, type SignatureInput, type SignatureVerdict } from './wire/omise-signature';
