import { MYSQL_TEXT_BYTES } from './store/sql-dialect';
import { resolveWebhooksConfig } from './webhooks.config';

const SECRET = 'F1BIYsDZbSDw+AbGHVJMxY/CQNjwjDJWBZ3HLhnKEzM=';
const extras = { path: '/webhooks/omise/' };

describe('resolveWebhooksConfig', () => {
  it('applies every default once, and trims the path', () => {
    const config = resolveWebhooksConfig({ secrets: ` ${SECRET} ,` }, extras, Infinity);
    expect(config).toMatchObject({
      secrets: [Buffer.from(SECRET, 'base64')],
      toleranceSeconds: 300,
      maxBodyBytes: 1024 * 1024,
      path: 'webhooks/omise',
      verify: 'signature',
      databaseTimeoutMs: 5000,
      bodyTimeoutMs: 10_000,
      maxPendingDeliveries: 1000,
      dispatch: { enabled: true, concurrency: 8, leaseMs: 60_000, retry: { maxAttempts: 10 } },
    });
  });

  it('keeps the body limit within what MySQL/MariaDB can store, and refuses a larger one at boot', () => {
    expect(resolveWebhooksConfig({ secrets: SECRET }, extras, MYSQL_TEXT_BYTES).maxBodyBytes).toBe(65_535);
    expect(resolveWebhooksConfig({ secrets: SECRET, maxBodyBytes: 2_000_000 }, extras, Infinity).maxBodyBytes).toBe(2_000_000);
    expect(() => resolveWebhooksConfig({ secrets: SECRET, maxBodyBytes: 1024 * 1024 }, extras, MYSQL_TEXT_BYTES)).toThrow(
      'maxBodyBytes is 1048576, but on MySQL/MariaDB the body column holds at most 65535 bytes',
    );
  });

  it('leaves reconciliation off by default, and reads its durations and key', () => {
    expect(resolveWebhooksConfig({ secrets: SECRET }, extras, Infinity).reconcile).toBeNull();
    const config = resolveWebhooksConfig(
      { secrets: SECRET, omiseApi: { secretKey: ' skey_test_1 ' }, reconcile: { every: '15m', lookback: '3d' } },
      extras,
      Infinity,
    );
    expect(config.reconcile).toEqual({ everyMs: 900_000, lookbackMs: 259_200_000, secretKey: 'skey_test_1', timeoutMs: 15_000 });
    const own = resolveWebhooksConfig({ secrets: SECRET, reconcile: { every: 60_000, lookback: '12h', secretKey: 'skey_test_2' } }, extras, Infinity);
    expect(own.reconcile).toMatchObject({ everyMs: 60_000, lookbackMs: 43_200_000, secretKey: 'skey_test_2' });
  });

  it.each([
    [{ secrets: '' }, 'no webhook secret configured'],
    [{ secrets: ['not base64!'] }, 'secret #1: a webhook secret must be the base64 text'],
    [{ secrets: SECRET, toleranceSeconds: 0 }, 'toleranceSeconds must be a positive whole number'],
    [{ secrets: SECRET, databaseTimeoutMs: -1 }, 'databaseTimeoutMs must be a positive whole number'],
    [{ secrets: SECRET, dispatch: { concurrency: 1.5 } }, 'dispatch.concurrency must be a positive whole number'],
    [{ secrets: SECRET, verify: 'signature+fetch' as const }, "verify 'signature+fetch' needs omiseApi.secretKey"],
    [{ secrets: SECRET, reconcile: { every: '15m', lookback: '3d' } }, 'reconcile needs the secret API key (skey_…): set reconcile.secretKey or omiseApi.secretKey'],
    [{ secrets: SECRET, reconcile: { every: '15m', lookback: '3d', secretKey: 'pkey_test_1' } }, 'not the public key (pkey_…)'],
    [{ secrets: SECRET, reconcile: { every: '15 minutes', lookback: '3d', secretKey: 'skey_test_1' } }, 'reconcile.every must be ms or a duration such as 15m'],
    [{ secrets: SECRET, reconcile: { every: 60_000, lookback: 0, secretKey: 'skey_test_1' } }, 'reconcile.lookback must be a positive whole number'],
    [{ secrets: SECRET, mask: { except: ['cardNumbers' as const] } }, 'WebhooksModule: mask.except: cardNumbers cannot be turned off'],
    [{ secrets: SECRET, mask: { paths: ['metadata.'] } }, 'WebhooksModule: mask.paths: "metadata." is not a field path'],
  ])('refuses %j at boot: %s', (options, message) => {
    expect(() => resolveWebhooksConfig(options, extras, Infinity)).toThrow(message);
  });
});
