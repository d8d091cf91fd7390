import { HttpStatus } from '@nestjs/common';
import { SignatureFailure } from '../wire/omise-signature';

/**
 * Every way an intake request can be refused, as a stable machine-readable code. The HTTP status of
 * each is decided in one place, {@link statusOf}; Omise retries anything that is not 2xx, so only
 * failures that a retry can fix (store unavailable) use a status that invites one in practice.
 */
export type IntakeErrorReason =
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

export class IntakeError extends Error {
  readonly reason: IntakeErrorReason;
  readonly details?: readonly string[];
  /** What went wrong underneath (a driver's error), for the log line only: never sent back. */
  override readonly cause?: unknown;

  constructor(reason: IntakeErrorReason, message: string, details?: readonly string[], cause?: unknown) {
    // A refusal is the sender's input or a known state of the server, never a bug, and no log line
    // shows its stack: capturing one was a tenth of what a forged request cost.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.name = 'IntakeError';
    this.reason = reason;
    this.details = details;
    this.cause = cause;
  }

  get status(): HttpStatus {
    return statusOf(this.reason);
  }
}

export function statusOf(reason: IntakeErrorReason): HttpStatus {
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

export function signatureError(failure: SignatureFailure): IntakeError {
  return new IntakeError(failure, SIGNATURE_MESSAGES[failure]);
}

function assertNever(value: never): never {
  throw new Error(`unhandled webhook error reason: ${String(value)}`);
}
