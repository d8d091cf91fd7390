import { randomBytes } from 'node:crypto';
import { request, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/**
 * Sends `count` identical POSTs released together: each request is sent but for its last byte, and
 * only once every connection is open are the last bytes written, so the server sees them at once.
 */
export async function postTogether(
  server: Server,
  path: string,
  body: string,
  headers: OutgoingHttpHeaders,
  count: number,
): Promise<RawResponse[]> {
  const { port } = server.address() as AddressInfo;
  const bytes = Buffer.from(body);
  const pending = Array.from({ length: count }, () => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      agent: false,
      headers: { ...headers, 'Content-Length': String(bytes.length) },
    });
    const response = new Promise<RawResponse>((resolve, reject) => {
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
    });
    const connected = new Promise<void>((resolve) => req.on('socket', (socket) => socket.once('connect', () => resolve())));
    req.write(bytes.subarray(0, bytes.length - 1));
    return { req, response, connected };
  });
  await Promise.all(pending.map((p) => p.connected));
  for (const p of pending) p.req.end(bytes.subarray(bytes.length - 1));
  return Promise.all(pending.map((p) => p.response));
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
