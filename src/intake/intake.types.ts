import type { SignatureFailure } from '../wire/omise-signature';

/*
 * What the webhook endpoint answers, as a host's tests and monitoring read it. Public: exported from
 * the package.
 */

/** What the endpoint answers with 200. Omise only reads the status; this is for people and tests. */
export interface WebhookAck {
  received: true;
  id: string;
  duplicate: boolean;
}

/**
 * Every way a delivery can be refused, as a stable machine-readable code: the `reason` of the
 * answer's body and of the `omise_webhooks_deliveries_total{outcome="refused"}` metric.
 */
export type IntakeRefusalReason =
  | SignatureFailure
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'request_timeout'
  | 'raw_body_unavailable'
  | 'invalid_json'
  | 'invalid_event'
  | 'store_unavailable'
  | 'store_overloaded'
  | 'event_not_confirmed'
  | 'confirmation_unavailable';

/** The JSON body of every refused delivery. */
export interface IntakeRefusalBody {
  statusCode: number;
  reason: IntakeRefusalReason;
  message: string;
  details?: readonly string[];
}
