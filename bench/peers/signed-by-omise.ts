/**
 * The Omise signature check as a user writes it by hand from Omise's documentation: HMAC-SHA256 of
 * `<timestamp>.<raw body>` with the base64-decoded webhook secret, hex, compared in constant time with
 * each comma-separated signature (two while a secret is rolled), timestamp within 300 s. Shared by the
 * two peers (the Express recipe and the hand-written Nest controller) so they pay the same for it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const TOLERANCE_SECONDS = 300;

/** The webhook secret from the environment, decoded once; a peer refuses to start without one. */
export function webhookSecretFromEnv(peer: string): Buffer {
  const secret = Buffer.from((process.env.OMISE_WEBHOOK_SECRET ?? '').split(',')[0].trim(), 'base64');
  if (secret.length === 0) throw new Error(`${peer}: OMISE_WEBHOOK_SECRET (base64) is required`);
  return secret;
}

export function signedByOmise(secret: Buffer, rawBody: Buffer, signature: string | undefined, timestamp: string | undefined): boolean {
  if (!signature || !timestamp || !/^[0-9]+$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
  // timingSafeEqual throws on buffers of different lengths: a malformed signature is a 401, not a 500.
  return signature.split(',').some((candidate) => {
    const given = Buffer.from(candidate.trim(), 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
