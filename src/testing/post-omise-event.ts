import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:net';
import type supertest from 'supertest';
import { DEFAULT_WEBHOOK_PATH, serializeOmiseEvent, signOmiseWebhook, type SignOptions } from '..';
import { requireOptionalPeer } from '../common/optional-peer';

/** A supertest request: chain `.expect(200)` and the rest as with any supertest call. */
export type OmiseEventRequest = ReturnType<ReturnType<typeof supertest>['post']>;

export interface PostOmiseEventOptions extends SignOptions {
  /**
   * The webhook secret(s) to sign with, base64 as the dashboard shows them; several as during a
   * rotation. Default: the first of `OMISE_WEBHOOK_SECRET` (comma-separated), which the app under
   * test verifies with.
   */
  secret?: string | readonly string[];
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
 * (or a string sent byte for byte, for payloads the factory cannot make), signed with `secret` (by
 * default `OMISE_WEBHOOK_SECRET`) over exactly those bytes. Needs `supertest` (a dev dependency of the
 * host's tests).
 */
export function postOmiseEvent(target: INestApplication | Server, event: object | string, options: PostOmiseEventOptions = {}): OmiseEventRequest {
  const request = requireOptionalPeer<typeof supertest>('supertest', 'postOmiseEvent (omise-nest-webhooks/testing)', true);
  const body = typeof event === 'string' ? event : serializeOmiseEvent(event);
  const path = `/${(options.path ?? DEFAULT_WEBHOOK_PATH).replace(/^\/+/, '')}`;
  const secret = options.secret ?? secretFromEnvironment();
  const headers = { ...signOmiseWebhook(body, secret, { timestamp: options.timestamp }), ...options.headers };
  // A string body with a JSON content type is sent as is; an object would be re-serialized by superagent.
  return request(httpServerOf(target)).post(path).set(headers).send(body);
}

/** The first secret the app under test reads (as the CLI signs); the error says where one comes from. */
function secretFromEnvironment(): string {
  const secrets = (process.env.OMISE_WEBHOOK_SECRET ?? '').split(',').map((secret) => secret.trim()).filter(Boolean);
  if (secrets.length === 0) {
    throw new Error(
      'postOmiseEvent: no secret to sign with: pass { secret }, or set OMISE_WEBHOOK_SECRET before the app boots ' +
        "(add 'omise-nest-webhooks/testing/setup' to your test runner's setupFiles: it sets a test secret).",
    );
  }
  return secrets[0];
}

function httpServerOf(target: INestApplication | Server): Server {
  return 'getHttpServer' in target ? (target.getHttpServer() as Server) : target;
}
