import { BadRequestException, HttpException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A replay form or request has a handful of short fields: nothing legitimate comes near this. */
export const MAX_ADMIN_BODY_BYTES = 8 * 1024;

/** What an admin POST route takes: the JSON API `application/json`, the page's forms `application/x-www-form-urlencoded`. */
export type AdminBodyType = 'json' | 'form';

const MEDIA_TYPES: Record<AdminBodyType, string> = { json: 'application/json', form: 'application/x-www-form-urlencoded' };

/** A request as the reader leaves it: the parsed body, or why there is none (answered after the guards). */
export type AdminBodyRequest = IncomingMessage & { body?: unknown; _body?: boolean; adminBodyRefusal?: HttpException };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The refusal for a request whose headers say its body is not what the route takes: another media
 * type (a cross-site form posts `text/plain` or a form to the JSON API), another charset, compressed,
 * or declared larger than the limit. Undefined when they are fine.
 */
export function adminBodyRefusal(request: IncomingMessage, type: AdminBodyType): HttpException | undefined {
  const [media = '', ...parameters] = (request.headers['content-type'] ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (media !== MEDIA_TYPES[type] || (charset !== undefined && charset !== 'utf-8')) {
    return new UnsupportedMediaTypeException(
      type === 'json' ? 'The admin API takes a JSON body: Content-Type: application/json (UTF-8).' : 'This form is posted as application/x-www-form-urlencoded (UTF-8) by the admin page.',
    );
  }
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') return new UnsupportedMediaTypeException('Compressed bodies are not accepted (Content-Encoding must be identity or absent).');
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_ADMIN_BODY_BYTES) return tooLarge();
  return undefined;
}

function tooLarge(): HttpException {
  return new PayloadTooLargeException(`The body is larger than ${MAX_ADMIN_BODY_BYTES} bytes; a replay takes a few short fields.`);
}

/** The body's fields: JSON as parsed, a form as text fields (a repeated one as a list, which the checks refuse). */
function parse(bytes: Buffer, type: AdminBodyType): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new BadRequestException('The body is not UTF-8 text.');
  }
  if (type === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new BadRequestException(`The body is not JSON: ${(error as Error).message.slice(0, 120)}`);
    }
  }
  // No prototype: a field named __proto__ or constructor is one more unknown field, nothing else.
  const fields = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of new URLSearchParams(text)) {
    const previous = fields[name];
    fields[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return fields;
}

/**
 * Reads an admin POST body itself, ahead of the host's body parsers (mounted first, as the webhook
 * route's reader is), so what a replay accepts does not depend on them: only its own media type,
 * UTF-8, uncompressed, at most 8 KiB; anything else is refused with a status and a message, never a
 * parser's stack trace in the log. It does not answer: it leaves the body (or the refusal) on the
 * request, and the route, after the host's guard and the same-origin check, uses one or throws the other.
 */
export function readAdminBody(req: AdminBodyRequest, res: ServerResponse, next: () => void, type: AdminBodyType): void {
  // Whatever happens here, the host's parsers leave this body alone (body-parser 2 also skips a body read to its end).
  req._body = true;
  req.body = undefined;
  const refuse = (refusal: HttpException) => {
    req.adminBodyRefusal = refusal;
    // The rest of the body is not wanted: the connection closes after the answer instead of reading
    // it, and the host's parsers must not read it either. Express 4's take `_body` as "parsed";
    // body-parser 2 looks for a body only when these headers announce one.
    res.setHeader('Connection', 'close');
    delete req.headers['content-length'];
    delete req.headers['transfer-encoding'];
    next();
  };
  const refusal = adminBodyRefusal(req, type);
  if (refusal) return refuse(refusal);
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  req.on('data', (chunk: Buffer) => {
    if (done) return;
    length += chunk.length;
    if (length <= MAX_ADMIN_BODY_BYTES) return void chunks.push(chunk);
    done = true;
    req.pause();
    refuse(tooLarge());
  });
  req.on('end', () => {
    if (done) return;
    done = true;
    try {
      req.body = parse(Buffer.concat(chunks, length), type);
    } catch (error) {
      return refuse(error as HttpException);
    }
    next();
  });
  // A client that goes away mid-body gets no answer: there is no one to read it.
  req.on('close', () => {
    done = true;
  });
}

/**
 * The body of an admin POST, for the route: the reader's refusal thrown, the media type checked again
 * (the reader may not be mounted on a platform other than Express), then the fields.
 */
export function adminBody(request: AdminBodyRequest, type: AdminBodyType): unknown {
  const refusal = request.adminBodyRefusal ?? adminBodyRefusal(request, type);
  if (refusal) throw refusal;
  return request.body;
}
