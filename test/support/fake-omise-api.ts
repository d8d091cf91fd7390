import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serializeOmiseEvent } from 'omise-nest-webhooks';

/** A stored event: at least an id and a creation time under either API version's name. */
export type FakeApiEvent = Record<string, unknown> & { id: string; created_at?: string; created?: string };

export interface FakeOmiseApi {
  /** Base URL, as `--api-base` / OMISE_API_BASE_URL take it. */
  readonly url: string;
  /** Every request, in order, with whether its credentials were right. */
  readonly requests: Array<{ path: string; query: URLSearchParams; authorized: boolean }>;
  close(): Promise<void>;
}

export interface FakeOmiseApiOptions {
  secretKey: string;
  /** Read on every request: events pushed later are listed from then on, as Omise lists new ones. */
  events: readonly FakeApiEvent[];
  /** More Omise accounts behind the same API, each seeing only its own events with its own key. */
  otherAccounts?: ReadonlyArray<{ secretKey: string; events: readonly FakeApiEvent[] }>;
  /** Awaited before each `GET /events` is answered: a test holds a page there, or acts between pages. */
  beforeList?(query: URLSearchParams): Promise<void> | void;
}

/**
 * The part of the Omise API this project uses: `GET /events` (the CLI's `forward` and `reconcile`)
 * with `from`, `to`, `offset`, `limit` (at most 100) and `order`, and `GET /events/{id}`
 * (`verify: 'signature+fetch'`), behind HTTP basic auth with the secret key as user name and
 * an empty password. Answers a list object as Omise does; a wrong key gets Omise's 401 error object.
 */
export async function startFakeOmiseApi(options: FakeOmiseApiOptions): Promise<FakeOmiseApi> {
  const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const accounts = [{ secretKey: options.secretKey, events: options.events }, ...(options.otherAccounts ?? [])];
  const requests: FakeOmiseApi['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const account = accounts.find(({ secretKey }) => req.headers.authorization === basic(secretKey));
    const authorized = account !== undefined;
    requests.push({ path: url.pathname, query: url.searchParams, authorized });
    if (!account) {
      return answer(res, 401, { object: 'error', location: 'https://www.omise.co/api-errors#authentication-failure', code: 'authentication_failure', message: 'authentication failed' });
    }
    const one = /^\/events\/([^/]+)$/.exec(url.pathname);
    const event = one && account.events.find((candidate) => candidate.id === decodeURIComponent(one[1]));
    if (req.method === 'GET' && event) return answer(res, 200, event);
    if (req.method !== 'GET' || url.pathname !== '/events') {
      return answer(res, 404, { object: 'error', location: 'https://www.omise.co/api-errors#not-found', code: 'not_found', message: 'not found' });
    }
    void Promise.resolve(options.beforeList?.(url.searchParams)).then(
      () => answer(res, 200, eventList(account.events, url.searchParams)),
      (error: Error) => answer(res, 500, { object: 'error', code: 'internal_error', message: error.message }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function eventList(events: readonly FakeApiEvent[], query: URLSearchParams): Record<string, unknown> {
  const from = query.get('from') ?? '1970-01-01T00:00:00Z';
  const to = query.get('to') ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const order = query.get('order') === 'reverse_chronological' ? 'reverse_chronological' : 'chronological';
  const offset = Number(query.get('offset') ?? 0);
  const limit = Math.min(Number(query.get('limit') ?? 20), 100);
  const matching = events
    .filter((event) => created(event) >= Date.parse(from) && created(event) <= Date.parse(to))
    .sort((a, b) => (created(a) - created(b)) * (order === 'chronological' ? 1 : -1));
  return { object: 'list', data: matching.slice(offset, offset + limit), limit, offset, total: matching.length, location: '/events', order, from, to };
}

function created(event: FakeApiEvent): number {
  return Date.parse(String(event.created_at ?? event.created));
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(serializeOmiseEvent(body));
}
