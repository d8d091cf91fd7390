import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Omise's webhook signature scheme, as a pure function (no Nest imports) so it can be pinned with
 * known-answer vectors:
 *
 *   Omise-Signature           = hex(HMAC-SHA256(base64decode(secret), `${timestamp}.${rawBody}`))
 *                               (two comma-separated values while a secret is being rotated)
 *   Omise-Signature-Timestamp = Unix seconds, decimal
 */

export const SIGNATURE_HEADER = 'omise-signature';
export const TIMESTAMP_HEADER = 'omise-signature-timestamp';

/** Why a request failed verification. Header problems are the sender's format (400); the rest are 401. */
export type SignatureFailure =
  | 'signature_header_missing'
  | 'signature_header_malformed'
  | 'timestamp_header_missing'
  | 'timestamp_header_malformed'
  | 'timestamp_too_old'
  | 'timestamp_in_future'
  | 'signature_mismatch';

export type SignatureVerdict = { ok: true } | { ok: false; failure: SignatureFailure };

export interface SignatureInput {
  /** Every value the header arrived with (Node's `req.headersDistinct`), so a repeated header is seen. */
  signatureHeader: readonly string[] | undefined;
  timestampHeader: readonly string[] | undefined;
  rawBody: Buffer;
  /** The secrets, any one of which may match: base64 as the dashboard shows them, or already decoded. */
  secrets: ReadonlyArray<string | Buffer>;
  toleranceSeconds: number;
  nowSeconds: number;
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
// Unix seconds; more than 15 digits is not a time this code will ever see and would lose precision.
const UNIX_SECONDS = /^[0-9]{1,15}$/;

/** Decodes a dashboard secret. Throws on anything that is not non-empty base64, so a typo fails at boot. */
export function decodeWebhookSecret(secret: string): Buffer {
  const trimmed = secret.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 === 1) {
    throw new Error('a webhook secret must be the base64 text shown in the Omise dashboard');
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length === 0) throw new Error('a webhook secret must not be empty');
  return key;
}

export function computeOmiseSignature(key: Buffer, timestamp: string, rawBody: Buffer): Buffer {
  return createHmac('sha256', key).update(`${timestamp}.`).update(rawBody).digest();
}

/** Parses the signature header into 32-byte candidates; entries that are not 64 hex digits are ignored. */
function candidateSignatures(header: string): Buffer[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => SHA256_HEX.test(part))
    .map((part) => Buffer.from(part, 'hex'));
}

function singleHeader(values: readonly string[] | undefined): string | undefined | null {
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) return null; // repeated: ambiguous, refuse rather than guess which one counts
  return values[0].trim();
}

export function verifyOmiseSignature(input: SignatureInput): SignatureVerdict {
  const signature = singleHeader(input.signatureHeader);
  if (signature === undefined || signature === '') return fail('signature_header_missing');
  if (signature === null) return fail('signature_header_malformed');
  const timestamp = singleHeader(input.timestampHeader);
  if (timestamp === undefined || timestamp === '') return fail('timestamp_header_missing');
  if (timestamp === null || !UNIX_SECONDS.test(timestamp)) return fail('timestamp_header_malformed');

  const candidates = candidateSignatures(signature);
  if (candidates.length === 0) return fail('signature_header_malformed');

  const age = input.nowSeconds - Number(timestamp);
  if (age > input.toleranceSeconds) return fail('timestamp_too_old');
  if (-age > input.toleranceSeconds) return fail('timestamp_in_future');

  // Every secret against every candidate, without stopping at the first hit, so timing does not tell
  // which secret or which position matched. Both sides are always 32 bytes: timingSafeEqual cannot throw.
  let matched = false;
  for (const secret of input.secrets) {
    const key = typeof secret === 'string' ? decodeWebhookSecret(secret) : secret;
    const expected = computeOmiseSignature(key, timestamp, input.rawBody);
    for (const candidate of candidates) {
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  return matched ? { ok: true } : fail('signature_mismatch');
}

function fail(failure: SignatureFailure): SignatureVerdict {
  return { ok: false, failure };
}
