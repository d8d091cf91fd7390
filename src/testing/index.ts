// omise-nest-webhooks/testing: build, sign and post Omise events in a host app's tests, and wait for the worker.
export { buildOmiseEvent, type DeepPartial, type OmiseEventOverrides } from './omise-event-factory';
export { omiseId } from './omise-objects';
export { postOmiseEvent, type OmiseEventRequest, type PostOmiseEventOptions } from './post-omise-event';
export { waitForOmiseEvents, type WaitForOmiseEventsOptions } from './wait-for-omise-events';
// The wire format, here too, so a test imports everything it needs from one place.
export { serializeOmiseEvent, signOmiseWebhook, type OmiseWebhookHeaders, type SignOptions } from '..';
