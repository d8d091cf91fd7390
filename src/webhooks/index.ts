// Public API of the Omise webhooks module.
export { WebhooksModule } from './webhooks.module';
export { WebhooksConfig, type DispatchOptions, type WebhooksModuleOptions, type WebhooksModuleExtras } from './webhooks.options';
export { OMISE_WEBHOOK_ROUTE, OmiseWebhookEndpoint } from './webhooks.controller';
export { type OmiseEvent, type OmiseObject, parseOmiseEvent } from './envelope/omise-event';
export { computeOmiseSignature, decodeWebhookSecret, verifyOmiseSignature } from './signature/verify-omise-signature';
export { WebhookError, type WebhookErrorReason } from './errors/webhook-error';
export type { WebhookErrorBody } from './errors/webhook-error.filter';
export type { WebhookAck } from './inbox/inbox.interceptor';
export { InboxStore, type StoreOutcome } from './inbox/inbox.store';
export { EventDispatcher } from './dispatch/event-dispatcher';
export { InboxWorker } from './dispatch/inbox-worker';
export { WebhookInbox, type EventListFilter, type StoredEventSummary } from './dispatch/webhook-inbox.service';
export type { ReplayFilter } from './dispatch/dispatch-queue';
export { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from './dispatch/retry-schedule';
export { WebhookEventEntity, type WebhookEventStatus } from './inbox/webhook-event.entity';
export { OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS } from './webhooks.schema';
export { RawBodySelfCheck } from './raw-body-self-check';
export * from './events/omise-event-catalogue';
// SQL helpers the module's own tables use, shared with feature modules that keep tables of their own.
export { ddlFor, dialectOf, type Ddl, type Dialect } from './persistence/sql-dialect';
