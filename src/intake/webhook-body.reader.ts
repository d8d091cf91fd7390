import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server, ServerResponse } from 'node:http';
import { WebhooksTelemetry } from '../telemetry/telemetry';
import { WebhooksConfig } from '../webhooks.config';
import { DeliveryContext, type RawBodyRequest } from './delivery-context';
import { IntakeRefusal, tooLarge, unknownAccount } from './intake-refusal';
import { DirectRoute } from './direct-route';
import { DeliveryVerifier } from './omise-signature.guard';
import { nodeRequestOf, nodeResponseOf, type PlatformRequest, type PlatformResponse } from './platform';
import { RefusalResponder } from './refusal-responder';

/**
 * Reads the webhook route's body itself, ahead of the host's body parsers, so that:
 * - the body is parsed once, by the module, and only after its signature passed (a forged request
 *   costs an HMAC, never a JSON parse, and is answered from here);
 * - whatever the host's parsers are (`rawBody` or not, `app.use(express.json())`, their limits and
 *   charsets), the route gets the exact bytes, and its refusals (415, 413) come in the module's
 *   `{statusCode, reason, message}` shape with the module's rate-limited log, never as an error page
 *   and a stack trace from the host's parser.
 *
 * How: at bootstrap, once Nest has mounted the parsers and routes, a POST handler for the route's
 * path (global prefix included) is put first in the Express router. It reads the body, leaves it as
 * `req.rawBody`, and marks the request read, which body-parser takes as "already parsed". On a
 * Fastify host, FastifyBodyReader runs the same `read` from Fastify's hooks.
 */
@Injectable()
export class WebhookBodyReader implements OnApplicationBootstrap {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly refusals: RefusalResponder,
    private readonly telemetry: WebhooksTelemetry,
    private readonly verifier: DeliveryVerifier,
    private readonly direct: DirectRoute,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    // An application context without HTTP (a worker-only process) receives no webhooks.
    if (!adapter) return;
    const express = adapter.getType() === 'express' ? adapter.getInstance<ExpressLike>() : undefined;
    const read = (req: RawBodyRequest, res: ServerResponse, next: () => void) =>
      this.read(req, res, (body) => {
        req.rawBody = body;
        // body-parser skips a request whose body was read (and `_body` for Express 4's); nothing parses it again.
        req._body = true;
        req.body = undefined;
        next();
      });
    if (this.config.route === 'direct') {
      // Nest mapped the route with the host's global prefix: that full path is what is served.
      const fullPath = express && postRoutePath(express, this.config.path);
      if (fullPath !== undefined) {
        this.direct.install(adapter.getHttpServer() as Server, fullPath, read);
        return;
      }
      this.logger.warn(`route: 'direct' needs an Express host (this one is ${adapter.getType()}): the route is served through Nest.`);
    }
    // On Fastify, FastifyBodyReader runs this reader from Fastify's hooks.
    if (adapter.getType() === 'fastify') return;
    // The endpoint at `path`, and the accounts' at `<path>/<name>`.
    const mounted = express !== undefined && mountFirst(express, this.config.path, read) && mountFirst(express, `${this.config.path}/:account`, read);
    if (!mounted) {
      this.logger.warn(
        `Could not put the webhook body reader ahead of the body parsers (${adapter.getType()}); the route relies on the host's ` +
          'JSON parser keeping the raw body: create the app with `NestFactory.create(AppModule, { rawBody: true })`.',
      );
    }
  }

  /**
   * Reads one delivery's body (the request of either platform, with its route's `params`) and hands
   * `accept` its exact bytes once their signature passed; any refusal is answered here.
   */
  read(request: PlatformRequest & Pick<RawBodyRequest, 'params'>, res: PlatformResponse, accept: (body: Buffer) => void): void {
    const req = nodeRequestOf(request);
    DeliveryContext.of(req).trace = this.telemetry.intakeStarted();
    const refuse = (error: IntakeRefusal, close: boolean) => {
      const response = nodeResponseOf(res);
      // Past a refusal the rest of the body is not wanted: close rather than read it all.
      if (close) response.setHeader('Connection', 'close');
      this.refusals.answer(response, error);
    };
    const limit = this.config.maxBodyBytes;
    const account = this.verifier.accountOf(request);
    if (!account) return refuse(unknownAccount(request.params?.account), true);
    const refusal = this.verifier.headerRefusal(req);
    if (refusal) return refuse(refusal, true);

    const chunks: Buffer[] = [];
    let length = 0;
    let done = false;
    const stop = (error?: IntakeRefusal) => {
      done = true;
      clearTimeout(deadline);
      if (error) {
        req.pause();
        refuse(error, true);
      }
    };
    const { bodyTimeoutMs } = this.config;
    const deadline = setTimeout(() => stop(new IntakeRefusal('request_timeout', `The body did not arrive within ${bodyTimeoutMs} ms.`)), bodyTimeoutMs);
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      length += chunk.length;
      if (length > limit) return stop(tooLarge(limit));
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      stop();
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
      // Checked here, with the whole body read (the connection stays usable): a forged request is
      // answered without going through Nest at all.
      const forged = this.verifier.signatureRefusal(req, body, account);
      if (forged) return refuse(forged, false);
      accept(body);
    });
    // A client that goes away mid-body gets no answer; there is no one to read it.
    req.on('error', () => stop());
    req.on('close', () => {
      if (!done) stop();
    });
  }
}

/** The parts of an Express app (4 or 5) the reader uses. */
export interface ExpressLike {
  post(path: string, handler: (req: RawBodyRequest, res: ServerResponse, next: () => void) => void): unknown;
  router?: { stack?: unknown };
  _router?: { stack?: unknown };
}

interface RouterLayer {
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

/** The full path (global prefix included) of the POST route that ends with `routePath`, as Nest mapped it in Express. */
export function postRoutePath(app: ExpressLike, routePath: string): string | undefined {
  const stack = (app.router ?? app._router)?.stack;
  if (!Array.isArray(stack)) return undefined;
  const route = (stack as RouterLayer[]).find((layer) => {
    const path = layer.route?.path;
    return typeof path === 'string' && layer.route?.methods?.post === true && (path === `/${routePath}` || path.endsWith(`/${routePath}`));
  });
  const path = route?.route?.path;
  return typeof path === 'string' ? path : undefined;
}

/** Mounts `handler` for POST on the route's full path (the webhook's, an admin replay's), first in the router. False if it cannot. */
export function mountFirst(app: ExpressLike, routePath: string, handler: Parameters<ExpressLike['post']>[1]): boolean {
  const stack = (app.router ?? app._router)?.stack;
  const path = postRoutePath(app, routePath);
  if (!Array.isArray(stack) || path === undefined) return false;
  app.post(path, handler);
  // app.post appended a layer; it goes first, ahead of every parser and middleware.
  stack.unshift(stack.pop());
  return true;
}
