/**
 * Peer: the receiver Omise's documentation leads a Node user to write. Express with `express.json`
 * keeping the raw bytes for the signature, the signature checked, 200 sent at once ("respond quickly,
 * process asynchronously"), and only then the event stored: one `INSERT … ON CONFLICT DO NOTHING`,
 * with no bound on how many wait for the pool.
 *
 * What it gives up: an acknowledged event lives only in this process's memory until its INSERT
 * commits; a crash or deploy in that window loses it, and Omise will not send it again. The bench
 * asks over IPC how many acknowledged events are not stored yet when the load stops
 * (`{ type: 'unstored' }` → `{ type: 'unstored', count, failed }`).
 *
 * Env: DATABASE_URL (postgres://…), PORT, OMISE_WEBHOOK_SECRET (base64).
 */
import express, { type Request } from 'express';
import { Pool } from 'pg';
import { signedByOmise, webhookSecretFromEnv } from './signed-by-omise';

interface RawBodyRequest extends Request {
  rawBody?: Buffer;
}

const secret = webhookSecretFromEnv('express-recipe');
const pool = new Pool({ connectionString: process.env.DATABASE_URL });
let unstored = 0;
let failed = 0;

async function store(event: { id?: unknown }, rawBody: Buffer): Promise<void> {
  unstored++;
  try {
    await pool.query('INSERT INTO recipe_events (event_id, body) VALUES ($1, $2) ON CONFLICT DO NOTHING', [event.id, rawBody.toString('utf8')]);
  } catch (error) {
    // Already acknowledged: Omise will not retry it. All the recipe can do is log.
    failed++;
    console.error(`express-recipe: event ${String(event.id)} acknowledged but not stored: ${(error as Error).message}`);
  } finally {
    unstored--;
  }
}

const app = express();
app.use(
  express.json({
    verify: (req, _res, buf) => {
      (req as RawBodyRequest).rawBody = buf;
    },
  }),
);
app.post('/webhooks/omise', (req: RawBodyRequest, res) => {
  if (!req.rawBody || !signedByOmise(secret, req.rawBody, req.get('omise-signature'), req.get('omise-signature-timestamp'))) {
    res.sendStatus(401);
    return;
  }
  res.sendStatus(200);
  void store(req.body as { id?: unknown }, req.rawBody);
});

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'unstored') process.send?.({ type: 'unstored', count: unstored, failed });
});

async function main(): Promise<void> {
  await pool.query('CREATE TABLE IF NOT EXISTS recipe_events (event_id varchar(64) PRIMARY KEY, body text NOT NULL)');
  const port = Number(process.env.PORT ?? 3002);
  const server = app.listen(port, () => console.error(`express recipe listening on :${port}`));
  process.on('SIGTERM', () => {
    server.close();
    void pool.end();
  });
}

main().catch((error: unknown) => {
  console.error('express recipe failed to start:', error);
  process.exit(1);
});
