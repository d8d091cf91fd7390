// Helpers for tests of applications that use the webhooks module: sign, build and post Omise events.
export { signOmiseWebhook, type OmiseWebhookHeaders, type SignOptions } from './sign-omise-webhook';
export { buildOmiseEvent, type DeepPartial, type OmiseEventOverrides } from './omise-event-factory';
export { omiseId } from './omise-objects';
export { serializeOmiseEvent } from './serialize-omise-event';
export { postOmiseEvent, type PostOmiseEventOptions } from './post-omise-event';
