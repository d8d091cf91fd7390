import { randomBytes } from 'node:crypto';
import { request, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The module's route in the test apps (its default path, no global prefix). */
export const WEBHOOK_PATH = '/webhooks/omise';

let sequence = 0;

/** A minimal valid event body (compact JSON), with a fresh id unless one is given. */
export function eventBody(overrides: Record<string, unknown> = {}): string {
  sequence += 1;
  return JSON.stringify({
    object: 'event',
    id: `evnt_test_${randomBytes(6).toString('hex')}${sequence}`,
    livemode: false,
    location: '/events/evnt_test',
    key: 'charge.complete',
    created_at: new Date().toISOString(),
    data: { object: 'charge', id: `chrg_test_${sequence}`, amount: 100000, currency: 'THB', status: 'successful' },
    ...overrides,
  });
}

export interface RawResponse {
  status: number;
  body: string;
}

/** A response and how long it took from the moment its request was complete. */
export interface TimedResponse extends RawResponse {
  ms: number;
}

export interface RawRequest {
  path: string;
  body: string | Buffer;
  headers: OutgoingHttpHeaders;
}

/** The answer of a request that got none within `capMs`: status 0, so any status assertion fails plainly. */
const noAnswer = (capMs: number): TimedResponse => ({ status: 0, body: `no answer within ${capMs} ms`, ms: capMs });

/**
 * Sends `count` identical POSTs released together: each request is sent but for its last byte, and
 * only once the server has read every request's headers are the last bytes written, so the server
 * sees the bodies complete at once, in one turn of its event loop.
 */
export async function postTogether(
  server: Server,
  path: string,
  body: string,
  headers: OutgoingHttpHeaders,
  count: number,
): Promise<RawResponse[]> {
  return releaseTogether(server, Array.from({ length: count }, () => ({ path, body, headers })));
}

/**
 * Sends the POSTs released together, as {@link postTogether}, each with its own body and headers.
 * They must be well-formed HTTP: each has to reach the server's `request` event before any is released.
 * A request not answered within `capMs` of its release resolves as status 0 instead of hanging the test.
 */
export async function releaseTogether(server: Server, requests: readonly RawRequest[], capMs = 30_000): Promise<TimedResponse[]> {
  const { port } = server.address() as AddressInfo;
  const arrived = requestsArriving(server, requests.length);
  const pending = requests.map(({ path, body, headers }) => {
    const bytes = Buffer.from(body);
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      agent: false,
      headers: { ...headers, 'Content-Length': String(bytes.length) },
    });
    let releasedAt = 0;
    const response = new Promise<TimedResponse>((resolve, reject) => {
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: Date.now() - releasedAt }));
      });
      req.on('error', reject);
    });
    const connected = new Promise<void>((resolve) => req.on('socket', (socket) => socket.once('connect', () => resolve())));
    req.write(bytes.subarray(0, bytes.length - 1));
    const release = () => {
      releasedAt = Date.now();
      req.end(bytes.subarray(bytes.length - 1));
      return withCap(response, capMs, () => req.destroy());
    };
    return { connected, release };
  });
  await Promise.all(pending.map((p) => p.connected));
  await arrived;
  const released = pending.map((p) => p.release());
  return Promise.all(released);
}

/** One POST, timed and capped like {@link releaseTogether}. */
export async function timedPost(server: Server, request: RawRequest, capMs = 30_000): Promise<TimedResponse> {
  const [response] = await releaseTogether(server, [request], capMs);
  return response;
}

/** Resolves once the server has read the headers of `count` requests (their handlers wait for the body). */
function requestsArriving(server: Server, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onRequest = () => {
      if (++seen < count) return;
      server.off('request', onRequest);
      resolve();
    };
    server.on('request', onRequest);
  });
}

function withCap(response: Promise<TimedResponse>, capMs: number, abort: () => void): Promise<TimedResponse> {
  let timer: NodeJS.Timeout | undefined;
  const capped = new Promise<TimedResponse>((resolve) => {
    timer = setTimeout(() => {
      abort();
      resolve(noAnswer(capMs));
    }, capMs);
  });
  return Promise.race([response, capped]).finally(() => clearTimeout(timer));
}

/** POSTs `body` in 1 KiB chunks without a Content-Length (Transfer-Encoding: chunked), as a client streaming it would. */
export function postChunked(server: Server, path: string, body: string, headers: OutgoingHttpHeaders): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo;
  const bytes = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    // The server may answer and close before it has read everything: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    for (let offset = 0; offset < bytes.length; offset += 1024) req.write(bytes.subarray(offset, offset + 1024));
    req.end();
  });
}

/** Any request, as raw as node:http sends it: headers in any case, repeated (arrays), a chunked body. */
export interface AnyRequest {
  path?: string;
  method?: string;
  /** Sent as given: no Content-Type or Content-Length is added. */
  headers: OutgoingHttpHeaders;
  /** Sent with a Content-Length of its size, unless the headers name one. */
  body?: string | Buffer;
  /** Sent chunked, without Content-Length: one chunk each. */
  chunks?: readonly Buffer[];
}

/**
 * Sends one request and reads the answer. An answer that never comes is status 0 after `capMs`; a
 * connection the server drops before answering is status -1 with the error code as the body.
 */
export function sendRequest(server: Server, spec: AnyRequest, capMs = 10_000): Promise<TimedResponse> {
  const { port } = server.address() as AddressInfo;
  const headers = { ...spec.headers };
  const hasLength = Object.keys(headers).some((name) => name.toLowerCase() === 'content-length');
  if (spec.body !== undefined && !hasLength) headers['Content-Length'] = String(Buffer.byteLength(spec.body));
  const started = Date.now();
  const req = request({ host: '127.0.0.1', port, path: spec.path ?? WEBHOOK_PATH, method: spec.method ?? 'POST', agent: false, headers });
  const response = new Promise<TimedResponse>((resolve) => {
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: Date.now() - started }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: Date.now() - started }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) resolve({ status: -1, body: error.code ?? error.message, ms: Date.now() - started });
    });
  });
  if (spec.chunks) {
    for (const chunk of spec.chunks) req.write(chunk);
    req.end();
  } else {
    req.end(spec.body);
  }
  return withCap(response, capMs, () => req.destroy());
}

/** Runs `task` over `items`, `concurrency` at a time, results in order. */
export async function inPool<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
