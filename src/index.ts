/*
 * omise-nest-webhooks: the public API. Everything a host app uses is exported here and nothing else;
 * the test kit is `omise-nest-webhooks/testing`, the CLI the `omise-webhooks` bin.
 */

// The module and its options.
export { WebhooksModule } from './webhooks.module';
export {
  DEFAULT_WEBHOOK_PATH,
  type DispatchOptions,
  type OmiseApiOptions,
  type ReconcileOptions,
  type WebhooksModuleExtras,
  type WebhooksModuleOptions,
} from './webhooks.options';
export type { RetryPolicy } from './dispatch/retry-schedule';

// Handlers: the decorator, the event and the catalogue of keys with their payload types.
export { OnOmiseEvent } from './events/on-omise-event.decorator';
export { parseOmiseEvent, type OmiseEvent, type OmiseObject, type ReceivedDelivery } from './events/omise-event';
export * from './events/omise-event-catalogue';

// The endpoint: for host guards, and what it answers.
export { isOmiseWebhookRoute } from './intake/webhooks.controller';
export type { WebhookAck } from './intake/intake.interceptor';
export type { IntakeErrorBody } from './intake/refusals';
export type { IntakeErrorReason } from './intake/intake-error';

// Operating it: stored events, replay, the worker.
export {
  WebhookAdmin,
  type EventListFilter,
  type EventPage,
  type EventPageQuery,
  type StoredEventDetail,
} from './admin/webhook-admin.service';
export type { EventReplay, HandlerRunSummary, StoredEventSummary } from './admin/admin-store';
export type { EventCursor, EventFilter, ReplayFilter } from './admin/event-filter';
export type { ReplayResult } from './admin/replay-store';

// What leaves the process is masked: the `mask` option's masker, injectable for the host's own logs.
export { MASK_RULES, MASKED, Masker, type MaskOptions, type MaskRule } from './masking/masker';

// The optional admin page and JSON API, behind the host's guard.
export { WebhooksAdminModule } from './admin/webhooks-admin.module';
export { DEFAULT_ADMIN_PATH, type WebhooksAdminModuleExtras, type WebhooksAdminModuleOptions } from './admin/webhooks-admin.options';
export type { ActorOf, AdminRequest } from './admin/admin-request';
export { DispatchWorker } from './dispatch/dispatch-worker';
export { ReconcileJob } from './reconcile/reconcile-job';
export type { ReconcileCounts } from './reconcile/reconciliation';

// Watching it: health for the host's /health, lifecycle events for alerting (metrics and spans
// need no import: they are options of WebhooksModule).
export { WebhooksHealthIndicator, type ReadinessOptions, type WebhooksHealthResult } from './health/webhooks-health.indicator';
export {
  OMISE_WEBHOOK_EVENT_DEAD,
  OMISE_WEBHOOK_HANDLER_FAILED,
  type OmiseWebhookEventDead,
  type OmiseWebhookHandlerFailed,
} from './telemetry/telemetry';

// The schema: entities and migrations for the host's DataSource.
export { OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS } from './webhooks.schema';
export { WEBHOOK_EVENT_STATUSES, WebhookEventEntity, type WebhookEventSource, type WebhookEventStatus } from './store/webhook-event.entity';
export { HandlerRunEntity, type HandlerRunStatus } from './store/handler-run.entity';
export { ReplayedEventEntity, ReplayedRunEntity, ReplayEntity } from './store/replay.entity';

// Omise's wire format: sign and serialize as Omise does, verify as the endpoint does.
export { signOmiseWebhook, type OmiseWebhookHeaders, type SignOptions } from './wire/sign-omise-webhook';
export { serializeOmiseEvent } from './wire/serialize-omise-event';
export { verifyOmiseSignature, type SignatureFailure, type SignatureInput, type SignatureVerdict } from './wire/omise-signature';
