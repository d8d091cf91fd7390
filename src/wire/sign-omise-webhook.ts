import { computeOmiseSignature, decodeWebhookSecret } from './omise-signature';

// A type alias, not an interface, so it can be passed where a plain header record is expected.
export type OmiseWebhookHeaders = {
  'Content-Type': 'application/json';
  'Omise-Signature': string;
  'Omise-Signature-Timestamp': string;
};

export interface SignOptions {
  /** Unix seconds to sign with. Default: now. */
  timestamp?: number;
}

/**
 * The headers Omise would send with `body`, signed with one secret, or with several (comma-separated
 * signatures, as during a rotation). Sign the exact string or bytes you then send.
 */
export function signOmiseWebhook(
  body: string | Buffer,
  secret: string | readonly string[],
  options: SignOptions = {},
): OmiseWebhookHeaders {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const raw = typeof body === 'string' ? Buffer.from(body) : body;
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const signatures = secrets.map((s) => computeOmiseSignature(decodeWebhookSecret(s), timestamp, raw).toString('hex'));
  return {
    'Content-Type': 'application/json',
    'Omise-Signature': signatures.join(','),
    'Omise-Signature-Timestamp': timestamp,
  };
}
