/*
 * What the module emits through the host's EventEmitter2 with `lifecycleEvents: true`, for alerting.
 * Public: exported from the package. Payloads never carry the body (it may hold card data).
 */

/** Emitted through the host's EventEmitter2 (with `lifecycleEvents: true`) when an event runs out of attempts. */
export const OMISE_WEBHOOK_EVENT_DEAD = 'omise-webhooks.event.dead';
/** Emitted through the host's EventEmitter2 (with `lifecycleEvents: true`) each time a handler fails. */
export const OMISE_WEBHOOK_HANDLER_FAILED = 'omise-webhooks.handler.failed';

/** The payload of `omise-webhooks.event.dead`: never the body (it may carry card data). */
export interface OmiseWebhookEventDead {
  eventId: string;
  key: string;
  attempts: number;
  /** The failed handlers' messages (`Class.method: message; …`), masked as the admin page shows them. */
  error: string;
}

/** The payload of `omise-webhooks.handler.failed`. */
export interface OmiseWebhookHandlerFailed {
  eventId: string;
  key: string;
  /** `Class.method`. */
  handler: string;
  attempts: number;
  /** The handler's message, masked as the admin page shows it. */
  error: string;
}
