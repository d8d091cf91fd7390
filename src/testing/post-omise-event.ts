import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:net';
import request from 'supertest';
import { DEFAULT_WEBHOOK_PATH } from '../webhooks/webhooks.options';
import { serializeOmiseEvent } from './serialize-omise-event';
import { signOmiseWebhook, type SignOptions } from './sign-omise-webhook';

export interface PostOmiseEventOptions extends SignOptions {
  /** The webhook secret(s) to sign with, base64 as the dashboard shows them; several as during a rotation. */
  secret: string | readonly string[];
  /**
   * Where the endpoint is, as the host serves it: the module's `path` below any global prefix and
   * version (`api/webhooks/omise`). Default `webhooks/omise`.
   */
  path?: string;
  /** More headers (an API key of the host, a request id), or a signature header to replace. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * POSTs an event to the webhook endpoint as Omise would: `event` serialized the way Omise writes it
 * (or a string sent byte for byte, for payloads the factory cannot make), signed with `secret` over
 * exactly those bytes. Resolves to the supertest response; chain `.expect(200)` like any supertest call.
 */
export function postOmiseEvent(target: INestApplication | Server, event: object | string, options: PostOmiseEventOptions): request.Test {
  const body = typeof event === 'string' ? event : serializeOmiseEvent(event);
  const path = `/${(options.path ?? DEFAULT_WEBHOOK_PATH).replace(/^\/+/, '')}`;
  const headers = { ...signOmiseWebhook(body, options.secret, { timestamp: options.timestamp }), ...options.headers };
  // A string body with a JSON content type is sent as is; an object would be re-serialized by superagent.
  return request(httpServerOf(target)).post(path).set(headers).send(body);
}

function httpServerOf(target: INestApplication | Server): Server {
  return 'getHttpServer' in target ? (target.getHttpServer() as Server) : target;
}
