import { Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ResolvedAccount } from '../webhooks.config';
import { Acknowledger } from './acknowledger';
import { DeliveryContext, type RawBodyRequest } from './delivery-context';
import { EventConfirmation } from './event-confirmation';
import { IntakeRefusal, readDeliveryOrRefuse } from './intake-refusal';
import { RefusalResponder } from './refusal-responder';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The webhook route served before Express and Nest (`route: 'direct'`): the HTTP server's request
 * listener answers a POST to the route itself, with the same body reader, signature check, envelope
 * check, confirmation and storage as Nest's route, and hands every other request to the host's app
 * untouched. What it saves is Express's and Nest's work per delivery (routing, middleware, the guard,
 * interceptor and filter pipeline); what it gives up is exactly that: the host's middleware, guards,
 * interceptors and filters never run on the webhook route.
 */
@Injectable()
export class DirectRoute {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(
    private readonly confirmation: EventConfirmation,
    private readonly acknowledger: Acknowledger,
    private readonly refusals: RefusalResponder,
  ) {}

  /**
   * Puts the route in front of `server`'s own request listeners. `fullPath`: the route as the host
   * serves it, global prefix included (`/api/webhooks/omise`); an account's is `<fullPath>/<name>`.
   * `read` reads and verifies the body, as the reader does for Nest's route, then calls on.
   */
  install(server: Server, fullPath: string, read: (req: RawBodyRequest, res: ServerResponse, next: () => void) => void): void {
    const app = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    // Express matches paths without regard to case or a trailing slash: so does this.
    const route = fullPath.toLowerCase().replace(/\/+$/, '');
    server.on('request', (req: RawBodyRequest, res: ServerResponse) => {
      const account = req.method === 'POST' ? accountPath(req.url, route) : undefined;
      if (account === undefined) {
        for (const listener of app) listener.call(server, req, res);
        return;
      }
      req.params = account === '' ? {} : { account };
      read(req, res, () => void this.answer(req, res));
    });
  }

  private async answer(req: RawBodyRequest, res: ServerResponse): Promise<void> {
    const context = DeliveryContext.of(req);
    try {
      // The reader found both, or answered the request itself.
      const account = context.account as ResolvedAccount;
      const delivered = readDeliveryOrRefuse(req.rawBody as Buffer);
      const delivery = this.confirmation.enabled ? await this.confirmation.confirm(delivered, account) : delivered;
      const text = JSON.stringify(await this.acknowledger.acknowledge(delivery, account, context.trace));
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    } catch (error) {
      if (error instanceof IntakeRefusal) return this.refusals.answer(res, error);
      // Not a refusal: a fault of this code. No stack or body in the log (what the request carried stays out of it).
      this.logger.error(`direct route: ${(error as Error).name}: the delivery was not taken; answered 500`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ statusCode: 500, message: 'Internal server error' }));
    }
  }
}

/**
 * For a request to the route: '' for the route itself, the account's name for `<route>/<name>`;
 * undefined for any other path (the host's app answers it).
 */
function accountPath(url: string | undefined, route: string): string | undefined {
  if (url === undefined) return undefined;
  const query = url.indexOf('?');
  const path = (query < 0 ? url : url.slice(0, query)).toLowerCase();
  if (!path.startsWith(route)) return undefined;
  const rest = path.slice(route.length).replace(/\/$/, '');
  if (rest === '') return '';
  // Not decoded: an account's name is plain ASCII, and a name with an escape in it is no account's.
  return /^\/[^/]+$/.test(rest) ? rest.slice(1) : undefined;
}
