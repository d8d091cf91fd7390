import type { INestApplication } from '@nestjs/common';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signOmiseWebhook } from 'omise-nest-webhooks/testing';
import type { DataSource } from 'typeorm';
import { type Database, INTAKE_DATABASE } from '../../src/store/database';
import { eventBody } from './omise-events';
import { countStored } from './webhooks-test-app';

/*
 * The refusals every intake path owes a sender, as tables: the Express host (intake.e2e-spec.ts) and
 * the Fastify host (fastify.e2e-spec.ts) run the same ones.
 */

/** Signature headers missing or malformed: 400 with the reason. */
export const MALFORMED_HEADERS: ReadonlyArray<[string, Record<string, string | undefined>, string]> = [
  ['no signature header', { 'Omise-Signature': undefined }, 'signature_header_missing'],
  ['an empty signature header', { 'Omise-Signature': '' }, 'signature_header_missing'],
  ['a signature that is not hex', { 'Omise-Signature': 'g'.repeat(64) }, 'signature_header_malformed'],
  ['no timestamp header', { 'Omise-Signature-Timestamp': undefined }, 'timestamp_header_missing'],
  ['an empty timestamp header', { 'Omise-Signature-Timestamp': '' }, 'timestamp_header_missing'],
  ['a timestamp that is not an integer', { 'Omise-Signature-Timestamp': '17e8' }, 'timestamp_header_malformed'],
];

/**
 * Timestamps outside the tolerance of 300 s (seconds from now): 401 with the reason. Well outside: the
 * server reads its clock later than the test signs, and a second's margin failed when a second passed
 * between the two (the exact boundary is the wire unit test's, on a fixed clock).
 */
export const STALE_TIMESTAMPS: ReadonlyArray<[string, number, string]> = [
  ['too old', -330, 'timestamp_too_old'],
  ['too far in the future', +330, 'timestamp_in_future'],
];

/** Validly signed bodies that are not an Omise event: 400 with the reason, in the module's shape. */
export const NOT_AN_EVENT: ReadonlyArray<[string, string, string]> = [
  ['not JSON', '{"object": "event", "id": "evnt_test_broken"', 'invalid_json'],
  ['JSON null', 'null', 'invalid_event'],
  ['JSON but not an event', JSON.stringify({ object: 'charge', id: 'chrg_test_x' }), 'invalid_event'],
  ['an event without data', eventBody({ data: undefined }), 'invalid_event'],
  ['an event whose id holds a NUL', eventBody({ id: 'evnt_test_\u0000nul' }), 'invalid_event'],
  ['an event whose id holds a space', eventBody({ id: 'evnt test' }), 'invalid_event'],
  ['an event whose id is longer than the column', eventBody({ id: `evnt_test_${'x'.repeat(60)}` }), 'invalid_event'],
  ['an event whose key holds a control character', eventBody({ key: 'charge.complete\n' }), 'invalid_event'],
  ['an event whose key is not ASCII', eventBody({ key: 'charge.complété' }), 'invalid_event'],
];

/** Bodies as Omise never sends them: 415 unsupported_media_type. */
export const UNSUPPORTED_MEDIA: ReadonlyArray<[string, Record<string, string>]> = [
  ['not sent as JSON', { 'Content-Type': 'text/plain' }],
  ['JSON in another charset', { 'Content-Type': 'application/json; charset=latin1' }],
  ['compressed', { 'Content-Encoding': 'gzip' }],
];

/** The headers of `body` signed with `secret`, with `patch` applied (undefined removes a header). */
export function signedWith(body: string, secret: string, patch: Record<string, string | undefined>): Record<string, string> {
  const headers: Record<string, string> = { ...signOmiseWebhook(body, secret) };
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return headers;
}

/** A refusal in the module's shape, with nothing stored for the body's event id (if it has one to look up). */
export async function expectRefusal(
  response: { status: number; body: unknown },
  dataSource: DataSource,
  sent: string,
  status: number,
  reason: string,
): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ statusCode: status, reason, message: expect.any(String) });
  const id = idIn(sent);
  if (id !== undefined) await expect(countStored(dataSource, id)).resolves.toBe(0);
}

/** The event id a body carries, if it is JSON with one the database can look up. */
function idIn(sent: string): string | undefined {
  try {
    const id = (JSON.parse(sent) as { id?: unknown } | null)?.id;
    return typeof id === 'string' && !id.includes('\u0000') ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends the signed headers and half of `body`, then nothing, and resolves with the server's answer:
 * whatever comes comes from the server's own deadline.
 */
export function postHalfBody(server: Server, path: string, body: string, secret: string): Promise<{ status: number; connection?: string; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const headers = { ...signOmiseWebhook(body, secret), 'Content-Length': String(Buffer.byteLength(body)) };
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }));
    });
    req.on('error', reject);
    req.write(body.slice(0, body.length / 2));
  });
}

/**
 * Runs `attempt` with every connection intake could store through closed (the host's, and intake's
 * own on PostgreSQL and MariaDB), and opens them again after.
 */
export async function withDatabaseDown<T>(app: INestApplication, dataSource: DataSource, attempt: () => Promise<T>): Promise<T> {
  const connections = [...new Set([dataSource, app.get<Database>(INTAKE_DATABASE).dataSource])];
  for (const connection of connections) await connection.destroy();
  try {
    return await attempt();
  } finally {
    for (const connection of connections) await connection.initialize();
  }
}
