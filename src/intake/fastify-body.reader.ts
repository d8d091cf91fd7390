import { Injectable, type OnApplicationBootstrap, SetMetadata } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { requireOptionalPeer } from '../common/optional-peer';
import type { FastifyReplyLike } from './platform';
import { WebhookBodyReader } from './webhook-body.reader';

/**
 * The key under which `@nestjs/platform-fastify` reads a handler's Fastify route config (what its
 * `@RouteConfig()` sets). Spelled out here so the controller needs no Fastify package; checked
 * against the installed one at boot.
 */
const FASTIFY_ROUTE_CONFIG_METADATA = '__fastify_route_config__';

/** The flag in the webhook route's Fastify config by which the reader's hook knows the route. */
const WEBHOOK_ROUTE_FLAG = 'omiseWebhookRoute';

/**
 * A media type no client sends, given to the webhook route's request for the moment Fastify picks a
 * body parser, so that it picks the module's: the body is read already.
 */
const READ_BODY_MEDIA_TYPE = 'application/x.omise-nest-webhooks.read';

/**
 * Where a request whose content type is overlaid keeps what its `headers` held before, until the
 * module's parser puts it back: a property under a symbol of the module's own, as DeliveryContext's.
 */
const OVERLAID = Symbol('omise-webhooks overlaid headers');
/** What {@link OVERLAID} holds for a request that had no headers of its own added. */
const NO_ADDED_HEADERS: IncomingHttpHeaders = Object.freeze({});

/**
 * Marks the webhook route in its Fastify route config (the route's `config`, as `@RouteConfig()`
 * would), so the Fastify reader's hook finds it under any global prefix and account name. Nothing on
 * Express.
 */
export function FastifyWebhookRoute(): MethodDecorator {
  return SetMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { [WEBHOOK_ROUTE_FLAG]: true });
}

/** The parts of a Fastify request (Fastify 5) the reader uses. */
interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  readonly method: string;
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly routeOptions: { readonly config?: Readonly<Record<string, unknown>> };
  /** Fastify's documented way to add headers to a request: they overlay Node's, which stay as they came. */
  headers: IncomingHttpHeaders | undefined;
  /** What the `headers` setter keeps (Fastify's own field behind it). */
  readonly additionalHeaders?: IncomingHttpHeaders;
  rawBody?: Buffer;
  [OVERLAID]?: IncomingHttpHeaders;
}

type Done = (error?: Error | null, value?: unknown) => void;

/** The parts of a Fastify instance (Fastify 5) the reader uses. */
interface FastifyLike {
  addHook(name: 'preParsing', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, payload: Readable, done: Done) => void): unknown;
  addHook(name: 'preValidation', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => void): unknown;
  addContentTypeParser(type: string, parser: (request: FastifyRequestLike, payload: Readable, done: Done) => void): unknown;
}

/**
 * The webhook route's body reader on a Fastify host (`@nestjs/platform-fastify`): the same reader as on
 * Express ({@link WebhookBodyReader}: the exact bytes whatever the host's content-type parsers and
 * `rawBody`, the module's refusals, a forged request answered as soon as its body is in), run from
 * Fastify's own hooks instead of Express's router.
 *
 * How: at bootstrap, once Nest has declared its routes and before Fastify is ready, a `preParsing` hook
 * is added to the instance. On the webhook route (known by its route config) it reads the body,
 * leaves it as `request.rawBody` and overlays the request's content type (`request.headers = …`) with
 * a media type of the module's, whose parser (added beside it) takes the body as read, puts the
 * request's headers back and parses nothing (a `preValidation` hook puts them back if Fastify picked
 * another parser). Every other route and content type is left to the host.
 */
@Injectable()
export class FastifyBodyReader implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly reader: WebhookBodyReader,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (adapter?.getType() !== 'fastify') return;
    const constants = requireOptionalPeer<{ FASTIFY_ROUTE_CONFIG_METADATA?: unknown }>('@nestjs/platform-fastify/constants', 'A Fastify host');
    if (constants.FASTIFY_ROUTE_CONFIG_METADATA !== FASTIFY_ROUTE_CONFIG_METADATA) {
      throw new Error(
        'omise-nest-webhooks cannot mark its route for this version of @nestjs/platform-fastify (its route config ' +
          'metadata key changed); use a version the module supports (11 or 12).',
      );
    }
    const fastify = adapter.getInstance<FastifyLike>();
    try {
      fastify.addContentTypeParser(READ_BODY_MEDIA_TYPE, (request, _payload, done) => this.parsed(request, done));
      fastify.addHook('preParsing', (request, reply, _payload, done) => this.preParsing(request, reply, done));
      // Past parsing, in case Fastify picked a parser without looking at the overlay: see preParsing.
      fastify.addHook('preValidation', (request, _reply, done) => {
        restoreHeaders(request);
        done();
      });
    } catch (error) {
      // Fastify takes hooks only before it is ready: `fastify.ready()` (or `listen`) before `app.init()`.
      throw new Error(
        `omise-nest-webhooks could not add its webhook body reader to Fastify (${(error as Error).message}). ` +
          'Let Nest start Fastify: call `app.init()` or `app.listen()` before anything calls `ready()` on the Fastify instance.',
      );
    }
  }

  private preParsing(request: FastifyRequestLike, reply: FastifyReplyLike, done: Done): void {
    if (request.method !== 'POST' || request.routeOptions.config?.[WEBHOOK_ROUTE_FLAG] !== true) return done();
    // On a refusal the reader has answered, and the hook stops there, as a hook that replies does.
    this.reader.read(request, reply, (body) => {
      request.rawBody = body;
      request[OVERLAID] = request.additionalHeaders ?? NO_ADDED_HEADERS;
      request.headers = { ...request.additionalHeaders, 'content-type': READ_BODY_MEDIA_TYPE };
      // The bytes again, for a parser Fastify picks without looking at the overlay (by a media type it
      // cached when a hook read `request.mediaType`): it parses what was read, as it would have, and
      // the preValidation hook puts the headers back.
      done(null, Readable.from([body]));
    });
  }

  /** The module's parser: the body is read; the request's own headers come back before anyone else sees them. */
  private parsed(request: FastifyRequestLike, done: Done): void {
    if (!restoreHeaders(request)) {
      // A client that sent the module's media type to another route.
      return done(Object.assign(new Error(`Unsupported Media Type: ${READ_BODY_MEDIA_TYPE}`), { statusCode: 415 }));
    }
    done(null, undefined);
  }
}

/** Puts back the headers a request had before its content type was overlaid; false if it was not. */
function restoreHeaders(request: FastifyRequestLike): boolean {
  const kept = request[OVERLAID];
  if (kept === undefined) return false;
  request[OVERLAID] = undefined;
  request.headers = kept === NO_ADDED_HEADERS ? undefined : kept;
  return true;
}
