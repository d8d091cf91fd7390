import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { WebhooksConfig } from '../webhooks.options';

/** What the probe saw: the raw body kept, dropped by a parser, or nothing it can judge. */
export type RawBodyProbe =
  | { readonly outcome: 'kept' }
  | { readonly outcome: 'dropped'; readonly parser: string }
  | { readonly outcome: 'unseen'; readonly why: string };

export const RAW_BODY_FIX =
  'Create the app with `NestFactory.create(AppModule, { rawBody: true })` (in tests, ' +
  '`createNestApplication({ rawBody: true })`); to change the JSON limit use `app.useBodyParser(\'json\', { limit })`, ' +
  'and a JSON parser of your own must keep the bytes as `req.rawBody`.';

/**
 * Refuses to start an app whose JSON body parser would not keep the raw body, instead of answering
 * every Omise delivery with a 500 once it is live (Omise retries for days, then gives up).
 *
 * How: at bootstrap, after Nest has registered its body parsers and routes but before the app
 * listens, a synthetic `POST application/json` to the webhook route's path is run through the
 * body-parser middleware that the real request would meet (the Express router's `jsonParser`,
 * `urlencodedParser`, `rawParser`, `textParser` layers mounted ahead of the route), and nothing else:
 * no other middleware, guard or handler runs, nothing is stored, no socket is opened. Then
 * `req.rawBody` is checked, exactly as the signature guard checks it.
 *
 * Why a probe rather than reading options: the `rawBody` flag is held by the NestApplication, which no
 * provider can inject; and the flag is not the whole story anyway: a parser added with
 * `app.use(express.json())` runs first and drops the bytes even with `rawBody: true`, while a
 * `bodyParser: false` app with its own parser that sets `req.rawBody` works without the flag. The
 * probe judges what the guard will see, whichever way the app was set up.
 *
 * Left to the guard's 500 `raw_body_unavailable` (logged here as a warning where the probe can say
 * so): parsers it cannot recognize (a custom middleware, Nest middleware from a `MiddlewareConsumer`),
 * middleware that drops the bytes after parsing, and platforms other than Express.
 */
@Injectable()
export class RawBodySelfCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    // An application context without HTTP (a worker-only process) receives no webhooks.
    if (!adapter || adapter.getType() !== 'express') return;
    const probe = await probeRawBody(adapter.getInstance<ExpressLike>(), this.config.path);
    if (probe.outcome === 'kept') return;
    if (probe.outcome === 'unseen') {
      this.logger.warn(`Could not check at boot that the raw body is kept (${probe.why}). ${RAW_BODY_FIX}`);
      return;
    }
    const problem =
      `The JSON body parser (${probe.parser}) does not keep the raw body, so every Omise delivery would be ` +
      `refused with 500 raw_body_unavailable: the signature is over the exact bytes. ${RAW_BODY_FIX}`;
    this.logger.error(problem);
    if (this.config.rawBodyCheck === 'fail') {
      throw new Error(`OmiseWebhooks: ${problem} (To start anyway, pass \`rawBodyCheck: 'warn'\` to WebhooksModule.)`);
    }
  }
}

/** The parts of an Express app (4 or 5) the probe reads. */
interface ExpressLike {
  router?: { stack?: unknown };
  _router?: { stack?: unknown };
}

type Next = (error?: unknown) => void;

interface RouterLayer {
  name?: string;
  handle?: (request: IncomingMessage, response: ServerResponse, next: Next) => unknown;
  route?: { path?: unknown; methods?: Record<string, boolean> };
  match?: (path: string) => unknown;
}

/** The middleware names of body-parser's parsers (express.json, .urlencoded, .raw, .text). */
const BODY_PARSERS = new Set(['jsonParser', 'urlencodedParser', 'rawParser', 'textParser']);
const PROBE_BODY = Buffer.from('{"object":"event","probe":"omise-webhooks raw body check"}');
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Runs a synthetic JSON POST to the webhook route through the body parsers ahead of it in the
 * Express router, and reports whether `req.rawBody` holds the bytes afterwards.
 */
export async function probeRawBody(app: ExpressLike, webhookPath: string): Promise<RawBodyProbe> {
  const stack = app.router?.stack ?? app._router?.stack;
  if (!Array.isArray(stack)) return { outcome: 'unseen', why: 'the Express router is not where Express keeps it' };
  const layers = stack as RouterLayer[];
  const routeIndex = layers.findIndex((layer) => isWebhookRoute(layer, webhookPath));
  if (routeIndex < 0) return { outcome: 'unseen', why: `no POST route ending in /${webhookPath} was found` };
  const routePath = layers[routeIndex].route?.path as string;
  const parsers = layers
    .slice(0, routeIndex)
    .filter((layer) => BODY_PARSERS.has(layer.name ?? '') && typeof layer.handle === 'function' && Boolean(layer.match?.(routePath)));
  if (parsers.length === 0) return { outcome: 'unseen', why: 'no body-parser middleware runs before the webhook route' };

  const socket = new Socket();
  const request = new IncomingMessage(socket);
  request.method = 'POST';
  request.url = routePath;
  request.headers = { 'content-type': 'application/json', 'content-length': String(PROBE_BODY.length) };
  // Node's HTTP parser sets `complete` at the end of the body; body-parser reads it to skip a body
  // another parser already consumed.
  request.once('end', () => {
    request.complete = true;
  });
  request.push(PROBE_BODY);
  request.push(null);
  const response = new ServerResponse(request);
  try {
    for (const parser of parsers) {
      const error = await runMiddleware(parser, request, response);
      if (error !== undefined) return { outcome: 'unseen', why: `${parser.name ?? 'a parser'} refused the probe: ${describe(error)}` };
    }
  } finally {
    socket.destroy();
  }
  const rawBody = (request as IncomingMessage & { rawBody?: unknown }).rawBody;
  if (Buffer.isBuffer(rawBody) && rawBody.equals(PROBE_BODY)) return { outcome: 'kept' };
  if (!request.readableEnded) return { outcome: 'unseen', why: 'no body parser ahead of the webhook route read a JSON body' };
  return { outcome: 'dropped', parser: parsers.map((parser) => parser.name).join(', ') };
}

function isWebhookRoute(layer: RouterLayer, webhookPath: string): boolean {
  const path = layer.route?.path;
  return typeof path === 'string' && layer.route?.methods?.post === true && (path === `/${webhookPath}` || path.endsWith(`/${webhookPath}`));
}

/** Resolves with the error the middleware passed to `next` (undefined for none), or a timeout. */
function runMiddleware(layer: RouterLayer, request: IncomingMessage, response: ServerResponse): Promise<unknown> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    timer.unref();
    const next: Next = (error) => {
      clearTimeout(timer);
      resolve(error);
    };
    try {
      void Promise.resolve(layer.handle?.(request, response, next)).catch(next);
    } catch (error) {
      next(error ?? new Error('middleware threw'));
    }
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
