// What a delivery's headers and size must be, for the body reader and the signature guard alike.
import type { IncomingMessage } from 'node:http';
import { IntakeError } from './intake-error';

/** What the reader leaves on the request for the guard: the exact bytes, and nothing parsed. */
export type RawBodyRequest = IncomingMessage & { rawBody?: Buffer; body?: unknown; _body?: boolean };

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/**
 * What the headers alone say is wrong with a delivery, before any byte of the body is read: a content
 * type Omise does not send (415: JSON in UTF-8, not compressed), or a declared length over the limit
 * (413). Undefined when they are fine.
 */
export function headerRefusal(req: IncomingMessage, maxBodyBytes: number): IntakeError | undefined {
  const type = req.headers['content-type'] ?? '';
  const charset = CHARSET.exec(type)?.[1].toLowerCase();
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (!JSON_MEDIA_TYPE.test(type) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') || encoding !== 'identity') {
    return new IntakeError('unsupported_media_type', 'Omise webhooks are sent as Content-Type: application/json, UTF-8, not compressed.');
  }
  if (Number(req.headers['content-length']) > maxBodyBytes) return tooLarge(maxBodyBytes);
  return undefined;
}

export function tooLarge(maxBodyBytes: number): IntakeError {
  return new IntakeError('payload_too_large', `The body exceeds the limit of ${maxBodyBytes} bytes.`);
}
