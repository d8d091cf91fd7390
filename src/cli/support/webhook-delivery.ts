import { readFileSync } from 'node:fs';
import { DEV_SECRET_FILE } from '../../config/dev-secret';
import { signOmiseWebhook } from '../../testing/sign-omise-webhook';
import { decodeWebhookSecret } from '../../webhooks/signature/verify-omise-signature';
import { CliFailure, UsageError } from '../cli-command';

/** The webhook secret to sign with, and where it came from (named in messages; the secret never is). */
export interface WebhookSecret {
  readonly secret: string;
  readonly source: string;
}

/**
 * The secret the local app verifies with, found the way the app finds it: `--secret`, else the first
 * of OMISE_WEBHOOK_SECRET (the one a rotation signs with first), else the development secret the
 * demo generated into ./data/dev-webhook-secret.
 */
export function resolveWebhookSecret(flag: string | undefined, env: NodeJS.ProcessEnv): WebhookSecret {
  if (flag !== undefined) return checked(flag, '--secret', UsageError);
  const fromEnv = env.OMISE_WEBHOOK_SECRET?.split(',').map((s) => s.trim()).find(Boolean);
  if (fromEnv) return checked(fromEnv, 'OMISE_WEBHOOK_SECRET', CliFailure);
  let fromFile: string;
  try {
    fromFile = readFileSync(DEV_SECRET_FILE, 'utf8').trim();
  } catch {
    throw new CliFailure(
      `no webhook secret: pass --secret, set OMISE_WEBHOOK_SECRET, or start the demo once (npm start) so it writes ${DEV_SECRET_FILE}`,
    );
  }
  return checked(fromFile, DEV_SECRET_FILE, CliFailure);
}

function checked(secret: string, source: string, Failure: new (message: string) => Error): WebhookSecret {
  try {
    decodeWebhookSecret(secret);
  } catch (error) {
    throw new Failure(`${source}: ${(error as Error).message}`);
  }
  return { secret, source };
}

/** The demo's endpoint on this machine. */
export function defaultWebhookUrl(env: NodeJS.ProcessEnv): string {
  return `http://localhost:${env.PORT || 3000}/webhooks/omise`;
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
    throw new CliFailure(`could not reach ${url} (${reason(error)}); is the app running (npm start)?`);
  }
  return { status: response.status, statusText: response.statusText, ok: response.ok, body: await response.text() };
}

/** The useful part of a fetch failure: undici puts the system error (ECONNREFUSED, …) in `cause`. */
export function reason(error: unknown): string {
  if ((error as Error).name === 'TimeoutError') return 'no answer in time';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).name;
}
