/**
 * The bare baseline the app is measured against: what a careful hand-written receiver costs with no
 * framework. `node:http` + one `pg` Pool; verify the Omise signature, JSON.parse, one INSERT, 200.
 *
 * The signature check is written out here with node:crypto rather than imported from src/, so the
 * benchmark also cross-checks the app's scheme: the load generator signs with the project's helper,
 * and a disagreement would show up as baseline 401s.
 *
 * With BARE_WORKER=on it is the bare pipeline instead: each event is stored with its arrival time,
 * unprocessed, and a hand-written worker in the same process (bare-worker.ts) applies it to its charge,
 * the app's one-process shape with handlers running.
 *
 * Env: DATABASE_URL (postgres://…), PORT, OMISE_WEBHOOK_SECRET (base64; comma-separated while rotating),
 * BARE_WORKER (on | off, default off).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { BARE_PIPELINE_SCHEMA, startBareWorker } from './bare-worker';

/** Same defaults as the app: 1 MiB body, ±300 s timestamp tolerance. */
const MAX_BODY_BYTES = 1024 * 1024;
const TOLERANCE_SECONDS = 300;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const UNIX_SECONDS = /^[0-9]{1,15}$/;

const secrets = (process.env.OMISE_WEBHOOK_SECRET ?? '')
  .split(',')
  .map((secret) => secret.trim())
  .filter((secret) => secret !== '')
  .map((secret) => Buffer.from(secret, 'base64'));
if (secrets.length === 0 || secrets.some((key) => key.length === 0)) {
  throw new Error('baseline-receiver: OMISE_WEBHOOK_SECRET (base64) is required');
}

// pg's default pool size (10) is also what TypeORM gives the app: neither side gets more connections.
const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const withWorker = process.env.BARE_WORKER === 'on';
const INSERT = withWorker
  ? 'INSERT INTO baseline_events (event_id, body, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING'
  : 'INSERT INTO baseline_events (event_id, body) VALUES ($1, $2) ON CONFLICT DO NOTHING';
let stopWorker: () => Promise<void> = () => Promise.resolve();

/** 0 when the signature is good, else the status the app would answer (400 header format, 401 HMAC/time). */
function signatureStatus(request: IncomingMessage, rawBody: Buffer): 0 | 400 | 401 {
  const signatures = request.headersDistinct['omise-signature'];
  const timestamps = request.headersDistinct['omise-signature-timestamp'];
  // A header sent twice is ambiguous: refused, as the app does.
  if (signatures?.length !== 1 || timestamps?.length !== 1) return 400;
  const timestamp = timestamps[0].trim();
  if (!UNIX_SECONDS.test(timestamp)) return 400;
  const candidates = signatures[0]
    .split(',')
    .map((part) => part.trim())
    .filter((part) => SHA256_HEX.test(part))
    .map((part) => Buffer.from(part, 'hex'));
  if (candidates.length === 0) return 400;
  if (Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp)) > TOLERANCE_SECONDS) return 401;
  let matched = false;
  for (const key of secrets) {
    const expected = createHmac('sha256', key).update(`${timestamp}.`).update(rawBody).digest();
    // Constant time, and no early exit, so timing does not reveal which candidate matched.
    for (const candidate of candidates) if (timingSafeEqual(expected, candidate)) matched = true;
  }
  return matched ? 0 : 401;
}

function reply(response: ServerResponse, status: number, body: object): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  response.end(json);
}

async function receive(request: IncomingMessage, response: ServerResponse, rawBody: Buffer): Promise<void> {
  const refused = signatureStatus(request, rawBody);
  if (refused !== 0) return reply(response, refused, { statusCode: refused, reason: 'signature' });
  let id: unknown;
  try {
    id = (JSON.parse(rawBody.toString('utf8')) as { id?: unknown }).id;
  } catch {
    return reply(response, 400, { statusCode: 400, reason: 'invalid_json' });
  }
  if (typeof id !== 'string' || id === '' || id.length > 64) {
    return reply(response, 400, { statusCode: 400, reason: 'invalid_event' });
  }
  try {
    // Answered only after the INSERT's autocommit: the same durability promise as the app's 200.
    const body = rawBody.toString('utf8');
    const result = await pool.query(INSERT, withWorker ? [id, body, Date.now()] : [id, body]);
    reply(response, 200, { received: true, id, duplicate: result.rowCount === 0 });
  } catch (error) {
    console.error(`baseline: could not store ${id}: ${(error as Error).message}`);
    reply(response, 503, { statusCode: 503, reason: 'store_unavailable' });
  }
}

const server = createServer((request, response) => {
  if (request.method !== 'POST') return reply(response, 404, { statusCode: 404 });
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      reply(response, 413, { statusCode: 413, reason: 'payload_too_large' });
      request.destroy();
      return;
    }
    chunks.push(chunk);
  });
  request.on('end', () => {
    if (size <= MAX_BODY_BYTES) void receive(request, response, Buffer.concat(chunks, size));
  });
});

async function main(): Promise<void> {
  if (withWorker) {
    for (const statement of BARE_PIPELINE_SCHEMA) await pool.query(statement);
    stopWorker = startBareWorker(pool);
  } else {
    await pool.query('CREATE TABLE IF NOT EXISTS baseline_events (event_id varchar(64) PRIMARY KEY, body text NOT NULL)');
  }
  const port = Number(process.env.PORT ?? 3001);
  // The port opens only once the table exists: the bench polls it to know the receiver is ready.
  server.listen(port, () => console.error(`baseline receiver listening on :${port}`));
}

function shutdown(): void {
  server.close();
  void stopWorker().finally(() => pool.end());
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

main().catch((error: unknown) => {
  console.error('baseline receiver failed to start:', error);
  process.exit(1);
});
