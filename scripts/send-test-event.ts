/**
 * Sends one signed test event to the running demo backend, signed with OMISE_WEBHOOK_SECRET or, when
 * that is unset, with the development secret the app generated in ./data/dev-webhook-secret.
 *   npm run send-test-event [-- <event key>]      (default charge.complete)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEV_SECRET_FILE } from '../src/config/omise.config';
import { signOmiseWebhook } from '../src/testing';

async function main(): Promise<void> {
  const secret = process.env.OMISE_WEBHOOK_SECRET?.split(',')[0]?.trim() || readFileSync(DEV_SECRET_FILE, 'utf8').trim();
  const key = process.argv[2] ?? 'charge.complete';
  const id = randomBytes(8).toString('hex');
  const body = JSON.stringify(
    {
      object: 'event',
      id: `evnt_test_${id}`,
      livemode: false,
      location: `/events/evnt_test_${id}`,
      key,
      created_at: new Date().toISOString(),
      data: { object: key.split('.')[0], id: `chrg_test_${id}`, amount: 100000, currency: 'THB', status: 'successful' },
    },
    null,
    2,
  );
  const url = `http://127.0.0.1:${process.env.PORT ?? 3000}/webhooks/omise`;
  const response = await fetch(url, { method: 'POST', headers: { ...signOmiseWebhook(body, secret) }, body });
  process.stdout.write(`${response.status} ${await response.text()}\n`);
  process.exitCode = response.ok ? 0 : 1;
}

void main();
