import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ExpressLike, mountFirst } from '../intake/webhook-body.reader';
import { type AdminBodyType, readAdminBody } from './admin-body';
import { WEBHOOKS_ADMIN_CONFIG, type WebhooksAdminConfig } from './webhooks-admin.options';

type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** The parts of an Express app (4 or 5) used here, beside those the webhook's reader uses. */
interface ExpressApp extends ExpressLike {
  use(path: string, handler: Handler): unknown;
}

interface RouterLayer {
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

/**
 * What the admin puts ahead of everything in the host's Express router, once Nest has mounted its
 * routes (the global prefix is known then): for every response under its path (its pages, its API,
 * refusals by the host's guard, an unknown sub-path), `Cache-Control: no-store`, so no browser or
 * proxy keeps stored events; and the readers of its POST bodies (admin-body.ts).
 */
@Injectable()
export class AdminMount implements OnApplicationBootstrap {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(WEBHOOKS_ADMIN_CONFIG) private readonly config: WebhooksAdminConfig,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (!adapter) return;
    if (adapter.getType() === 'fastify') {
      // Its pages, forms and replays are read and written through Express; a half-working admin
      // (no no-store, replays relying on the host's parsers) is worse than none.
      throw new Error(
        'WebhooksAdminModule runs on Express hosts only (@nestjs/platform-express), and this app runs on Fastify: leave it out of ' +
          "the app's imports. The webhook endpoint, the worker, WebhooksAdmin (list, find, replay) and the omise-webhooks CLI work on Fastify.",
      );
    }
    const app = adapter.getType() === 'express' ? adapter.getInstance<ExpressApp>() : undefined;
    const bodies: Array<[string, AdminBodyType]> = [
      [`${this.config.path}/replay`, 'json'],
      [`${this.config.path}/dead-letters/replay`, 'form'],
      [`${this.config.path}/event/:eventId/replay`, 'form'],
    ];
    const mounted =
      app !== undefined &&
      bodies.every(([path, type]) => mountFirst(app, path, (req, res, next) => readAdminBody(req, res, next, type))) &&
      this.noStoreFirst(app);
    if (!mounted) {
      this.logger.warn(
        `Could not put the admin's body readers and Cache-Control ahead of the host's middleware (${adapter.getType()}); ` +
          'its replays rely on the host’s body parsers, and only its pages say no-store.',
      );
    }
  }

  /** `Cache-Control: no-store` on every response under the admin's full path (global prefix included). */
  private noStoreFirst(app: ExpressApp): boolean {
    const stack = (app.router ?? app._router)?.stack;
    if (!Array.isArray(stack)) return false;
    const list = (stack as RouterLayer[]).find((layer) => {
      const path = layer.route?.path;
      return typeof path === 'string' && layer.route?.methods?.get === true && `${path}`.endsWith(`/${this.config.path}`);
    });
    const fullPath = list?.route?.path;
    if (typeof fullPath !== 'string') return false;
    app.use(fullPath, (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      next();
    });
    stack.unshift(stack.pop());
    return true;
  }
}
