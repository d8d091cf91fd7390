import { HttpStatus } from '@nestjs/common';
import { OmiseEventError } from '../errors/omise-event.error';
import { readDelivery, type ReceivedDelivery } from '../events/omise-event';
import { StoreOverloaded } from '../errors/store.errors';
import type { SignatureFailure } from '../wire/omise-signature';
import type { IntakeRefusalReason } from './intake.types';

/**
 * Why a delivery is refused, thrown anywhere on the webhook route and answered by the route's filter
 * (or by the body reader, ahead of Nest) with the status of its reason. The errors of the parts that
 * do not speak HTTP (the event parser, the store) are mapped to refusals here, and statuses are
 * decided in one place, {@link statusOf}.
 */
export class IntakeRefusal extends Error {
  constructor(
    readonly reason: IntakeRefusalReason,
    message: string,
    readonly details?: readonly string[],
    /** What went wrong underneath (a driver's error), for the log line only: never sent back. */
    override readonly cause?: unknown,
  ) {
    // A refusal is the sender's input or a known state of the server, never a bug, and no log line
    // shows its stack: capturing one was a tenth of what a forged request cost.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.name = 'IntakeRefusal';
  }

  get status(): HttpStatus {
    return statusOf(this.reason);
  }
}

/**
 * The status of each reason. Omise retries anything that is not 2xx, so only failures that a retry
 * can fix (the store, the Omise API) use a status that invites one in practice.
 */
export function statusOf(reason: IntakeRefusalReason): HttpStatus {
  switch (reason) {
    case 'signature_header_missing':
    case 'signature_header_malformed':
    case 'timestamp_header_missing':
    case 'timestamp_header_malformed':
    case 'invalid_json':
    case 'invalid_event':
      return HttpStatus.BAD_REQUEST;
    case 'signature_mismatch':
    case 'timestamp_too_old':
    case 'timestamp_in_future':
    case 'event_not_confirmed':
      return HttpStatus.UNAUTHORIZED;
    case 'unknown_account':
      return HttpStatus.NOT_FOUND;
    case 'unsupported_media_type':
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case 'payload_too_large':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'request_timeout':
      return HttpStatus.REQUEST_TIMEOUT;
    case 'raw_body_unavailable':
      return HttpStatus.INTERNAL_SERVER_ERROR;
    case 'store_unavailable':
    case 'store_overloaded':
    case 'confirmation_unavailable':
      return HttpStatus.SERVICE_UNAVAILABLE;
    default:
      return assertNever(reason);
  }
}

const SIGNATURE_MESSAGES: Record<SignatureFailure, string> = {
  signature_header_missing: 'The Omise-Signature header is missing or empty.',
  signature_header_malformed:
    'The Omise-Signature header must be sent once and hold one or more comma-separated hex HMAC-SHA256 values.',
  timestamp_header_missing: 'The Omise-Signature-Timestamp header is missing or empty.',
  timestamp_header_malformed: 'The Omise-Signature-Timestamp header must be sent once, as whole Unix seconds.',
  signature_mismatch: 'No signature in Omise-Signature matches a configured webhook secret.',
  timestamp_too_old: 'Omise-Signature-Timestamp is older than the allowed tolerance; check the clock or replay.',
  timestamp_in_future: 'Omise-Signature-Timestamp is further in the future than the allowed tolerance; check the clock.',
};

/**
 * One refusal per reason, made once: a forged request's refusal carries nothing of the request, so
 * a flood of forgeries allocates nothing for them.
 */
const SIGNATURE_REFUSALS = new Map<SignatureFailure, IntakeRefusal>();

export function signatureRefusal(failure: SignatureFailure): IntakeRefusal {
  let refusal = SIGNATURE_REFUSALS.get(failure);
  if (!refusal) {
    refusal = new IntakeRefusal(failure, SIGNATURE_MESSAGES[failure]);
    SIGNATURE_REFUSALS.set(failure, refusal);
  }
  return refusal;
}

/** The delivery's event and text, or a 400 refusal with the parser's details for a body that is not an event. */
export function readDeliveryOrRefuse(rawBody: Buffer): ReceivedDelivery {
  try {
    return readDelivery(rawBody);
  } catch (error) {
    if (!(error instanceof OmiseEventError)) throw error;
    throw new IntakeRefusal(error.problem, error.message, error.details.length > 0 ? error.details : undefined);
  }
}

/** A delivery the store could not take: 503, so Omise delivers it again later. */
export function storeRefusal(error: unknown): IntakeRefusal {
  if (error instanceof StoreOverloaded) {
    return new IntakeRefusal('store_overloaded', 'Too many events are waiting to be stored; this one was not accepted. Retry later.', undefined, error);
  }
  return new IntakeRefusal('store_unavailable', 'The event could not be stored; it was not accepted. Retry later.', undefined, error);
}

export function tooLarge(maxBodyBytes: number): IntakeRefusal {
  return new IntakeRefusal('payload_too_large', `The body exceeds the limit of ${maxBodyBytes} bytes.`);
}

function assertNever(value: never): never {
  throw new Error(`unhandled webhook refusal reason: ${String(value)}`);
}

/** A request to `<path>/<name>` for an account this app does not have (or to `path` when only named accounts exist). */
export function unknownAccount(name: string | undefined): IntakeRefusal {
  return new IntakeRefusal(
    'unknown_account',
    name === undefined
      ? 'This app takes Omise webhooks per account, at <path>/<account name>; there is no endpoint at the path itself.'
      : 'No Omise account of this app has that name; the endpoint of an account is <path>/<account name>.',
  );
}
