import { readFileSync } from 'node:fs';
// The library's files, not its barrel: the barrel loads all of Nest, which would double the time
// every command takes to start.
import { DEFAULT_WEBHOOK_PATH } from '../../webhooks.options';
import { fetchFailure } from '../../wire/omise-events-api';
import { decodeWebhookSecret } from '../../wire/omise-signature';
import { signOmiseWebhook } from '../../wire/sign-omise-webhook';
import { CliFailure, UsageError } from '../cli-command';
import { accountName, httpUrl } from './option-values';

/** The options of every command that posts to the app. */
export const ENDPOINT_OPTIONS = {
  url: { type: 'string' },
  path: { type: 'string' },
  account: { type: 'string' },
  secret: { type: 'string' },
  'secret-file': { type: 'string' },
} as const;

export const ENDPOINT_HELP = `  --url U            the app's webhook endpoint (default: http://localhost:$PORT/<path>, PORT
                     from the environment or 3000)
  --path P           the endpoint's path, with any global prefix: api/webhooks/omise
                     (default: OMISE_WEBHOOK_PATH, else ${DEFAULT_WEBHOOK_PATH})
  --account NAME     one of the app's Omise accounts: its endpoint, <path>/NAME (sign with
                     that account's secret)
  --secret S         webhook secret, base64 as in the Omise dashboard (default: the first of
                     OMISE_WEBHOOK_SECRET)
  --secret-file F    a file holding the secret (default: OMISE_WEBHOOK_SECRET_FILE)`;

/** The webhook secret to sign with, and where it came from (named in messages; the secret never is). */
export interface WebhookSecret {
  readonly secret: string;
  readonly source: string;
}

/**
 * The secret the app verifies with: `--secret`, `--secret-file`, else the first of
 * OMISE_WEBHOOK_SECRET (the one a rotation signs with first), else the file OMISE_WEBHOOK_SECRET_FILE
 * names (a mounted secret). The environment includes the working directory's `.env`.
 */
export function resolveWebhookSecret(values: { secret?: string; 'secret-file'?: string }, env: NodeJS.ProcessEnv): WebhookSecret {
  if (values.secret !== undefined) return checked(values.secret, '--secret', UsageError);
  if (values['secret-file'] !== undefined) return fromFile(values['secret-file'], '--secret-file');
  const fromEnv = env.OMISE_WEBHOOK_SECRET?.split(',').map((s) => s.trim()).find(Boolean);
  if (fromEnv) return checked(fromEnv, 'OMISE_WEBHOOK_SECRET', CliFailure);
  if (env.OMISE_WEBHOOK_SECRET_FILE) return fromFile(env.OMISE_WEBHOOK_SECRET_FILE, 'OMISE_WEBHOOK_SECRET_FILE');
  throw new CliFailure('no webhook secret: pass --secret or --secret-file, or set OMISE_WEBHOOK_SECRET (or OMISE_WEBHOOK_SECRET_FILE) in the environment or .env');
}

function fromFile(path: string, flag: string): WebhookSecret {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliFailure(`${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const secret = text.split(',').map((s) => s.trim()).find(Boolean) ?? '';
  return checked(secret, path, CliFailure);
}

function checked(secret: string, source: string, Failure: new (message: string) => Error): WebhookSecret {
  try {
    decodeWebhookSecret(secret);
  } catch (error) {
    throw new Failure(`${source}: ${(error as Error).message}`);
  }
  return { secret, source };
}

/** `--url`, else the endpoint on this machine: `http://localhost:$PORT/<--path | OMISE_WEBHOOK_PATH | webhooks/omise>`. */
export function webhookUrl(values: { url?: string; path?: string; account?: string }, env: NodeJS.ProcessEnv, flag = '--url'): string {
  if (values.url !== undefined) return httpUrl(flag, values.url);
  const path = (values.path ?? (env.OMISE_WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH)).replace(/^\/+|\/+$/g, '');
  const account = accountName('--account', values.account);
  return httpUrl(values.path !== undefined ? '--path' : 'OMISE_WEBHOOK_PATH', `http://localhost:${env.PORT || 3000}/${path}${account ? `/${account}` : ''}`);
}

export interface DeliveryResult {
  status: number;
  statusText: string;
  ok: boolean;
  body: string;
}

/** Signs `body` now and POSTs it as Omise would; the answer whatever its status, or CliFailure when unreachable. */
export async function deliverEvent(url: string, body: string, secret: string): Promise<DeliveryResult> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: signOmiseWebhook(body, secret), body, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new CliFailure(unreachable(url, fetchFailure(error)));
  }
  return { status: response.status, statusText: response.statusText, ok: response.ok, body: await response.text() };
}

/** Why nothing answered, and what to check: for a refused connection, the port. */
function unreachable(url: string, failure: string): string {
  if (failure !== 'ECONNREFUSED') return `could not reach ${url} (${failure}); is the app running, and is the URL right (--url, --path)?`;
  const { hostname, port, protocol } = new URL(url);
  return (
    `could not connect to ${url}: nothing listens on port ${port || (protocol === 'https:' ? '443' : '80')} of ${hostname} (connection refused). ` +
    'Is the app running, on that port? The CLI posts to PORT (from the environment or .env, else 3000); --url names another address.'
  );
}

/**
 * What to do about an answer that did not come from the module: a 404 means no route at that path,
 * most often because the app serves the module below a global prefix. Null for any other answer.
 */
export function deliveryHint(url: string, result: DeliveryResult): string | null {
  if (result.status !== 404) return null;
  const path = new URL(url).pathname.replace(/^\/+/, '');
  return (
    `nothing answers POST ${url} (404 from the app): the webhook route is not at /${path}. ` +
    `Behind a global prefix (app.setGlobalPrefix('api')) it is at /api/${path}: pass --path api/${path}, or set OMISE_WEBHOOK_PATH=api/${path} ` +
    "in the environment or .env; if WebhooksModule has a path option, use that path."
  );
}
