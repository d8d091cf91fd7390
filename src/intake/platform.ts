import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * What the webhook route needs of the request and response each platform hands to Nest's guards,
 * interceptors and filters: Express's are Node's own objects, Fastify's wrap Node's as `raw`. The
 * module reads and writes Node's, so every part of intake works the same on both.
 */

/** A request as a platform hands it over: Node's (Express), or Fastify's request around it. */
export type PlatformRequest = IncomingMessage | { readonly raw: IncomingMessage };

/** A response as a platform hands it over: Node's (Express), or Fastify's reply around it. */
export type PlatformResponse = ServerResponse | FastifyReplyLike;

/** The parts of a Fastify reply (Fastify 5) the module uses. */
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
  getHeaders(): Record<string, number | string | readonly string[] | undefined>;
}

/** Node's request under the platform's. */
export function nodeRequestOf(request: PlatformRequest): IncomingMessage {
  return 'raw' in request ? request.raw : request;
}

/**
 * Node's response under the platform's, to answer on directly. Headers a Fastify reply holds (set by
 * the host's hooks and plugins, such as @fastify/helmet's, with `reply.header()`) stay on the reply
 * until Fastify sends it, so they are carried over to Node's response first, the reply's values over
 * Node's, as Fastify itself would send them.
 */
export function nodeResponseOf(response: PlatformResponse): ServerResponse {
  if (!('raw' in response)) return response;
  const raw = response.raw;
  if (!raw.headersSent) {
    for (const [name, value] of Object.entries(response.getHeaders())) {
      if (value !== undefined) raw.setHeader(name, value);
    }
  }
  return raw;
}
