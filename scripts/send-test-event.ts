/**
 * Sends one signed test event to the running demo backend, signed with OMISE_WEBHOOK_SECRET or, when
 * that is unset, with the development secret the app generated in ./data/dev-webhook-secret.
 *   npm run send-test-event [-- <event key>]      (default charge.complete)
 */
import { readFileSync } from 'node:fs';
import { DEV_SECRET_FILE } from '../src/config/omise.config';
import { buildOmiseEvent, serializeOmiseEvent, signOmiseWebhook } from '../src/testing';
import { isOmiseEventKey } from '../src/webhooks';

async function main(): Promise<void> {
  const key = process.argv[2] ?? 'charge.complete';
  if (!isOmiseEventKey(key)) {
    process.stderr.write(`unknown event key "${key}" (e.g. charge.complete, transfer.pay, dispute.create)\n`);
    process.exitCode = 2;
    return;
  }
  const secret = process.env.OMISE_WEBHOOK_SECRET?.split(',')[0]?.trim() || readFileSync(DEV_SECRET_FILE, 'utf8').trim();
  const body = serializeOmiseEvent(buildOmiseEvent(key));
  const url = `http://127.0.0.1:${process.env.PORT ?? 3000}/webhooks/omise`;
  const response = await fetch(url, { method: 'POST', headers: signOmiseWebhook(body, secret), body });
  process.stdout.write(`${response.status} ${await response.text()}\n`);
  process.exitCode = response.ok ? 0 : 1;
}

void main();
