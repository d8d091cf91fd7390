import { Logger } from '@nestjs/common';
import { registerAs } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseOmiseMode } from 'omise-nest-webhooks';

/**
 * Where the demo keeps a development webhook secret when OMISE_WEBHOOK_SECRET is not set; `npm run
 * cli` points the CLI at it (OMISE_WEBHOOK_SECRET_FILE).
 */
export const DEV_SECRET_FILE = './data/dev-webhook-secret';

/** Settings of the Omise webhook endpoint, from the environment. */
export const omiseConfig = registerAs('omise', () => ({
  secrets: webhookSecrets(process.env.OMISE_WEBHOOK_SECRET, process.env.NODE_ENV),
  // Unset: the module's default (both modes, with a warning; production refuses to boot without it).
  mode: parseOmiseMode(process.env.OMISE_WEBHOOK_MODE),
  route: webhookRoute(process.env.OMISE_WEBHOOK_ROUTE),
  toleranceSeconds: optionalInt('OMISE_WEBHOOK_TOLERANCE_SECONDS'),
  maxBodyBytes: optionalInt('OMISE_WEBHOOK_MAX_BODY_BYTES'),
  verify: verifyMode(process.env.OMISE_WEBHOOK_VERIFY),
  omiseApi: { secretKey: process.env.OMISE_SECRET_KEY, baseUrl: process.env.OMISE_API_BASE_URL || undefined },
  dispatch: {
    enabled: dispatchEnabled(process.env.OMISE_WEBHOOK_DISPATCH),
    sweepIntervalMs: optionalInt('OMISE_WEBHOOK_SWEEP_MS'),
    concurrency: optionalInt('OMISE_WEBHOOK_CONCURRENCY'),
  },
  // /metrics shows the module's metrics; spans are no-ops until an OpenTelemetry SDK is registered
  // (none is in the demo); OpsModule's listener shows the alert on a dead event.
  metrics: true,
  tracing: true,
  lifecycleEvents: true,
}));

/** `on` (default): this instance runs the worker too; `off`: intake only, a worker process dispatches. */
function dispatchEnabled(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`OMISE_WEBHOOK_DISPATCH must be "on" or "off", got "${value}".`);
}

/** `nest` (default): the route through Nest's router; `direct`: served before it (see the README's Benchmark). */
function webhookRoute(value: string | undefined): 'nest' | 'direct' {
  if (value === undefined || value === '' || value === 'nest') return 'nest';
  if (value === 'direct') return value;
  throw new Error(`OMISE_WEBHOOK_ROUTE must be "nest" or "direct", got "${value}".`);
}

function verifyMode(value: string | undefined): 'signature' | 'signature+fetch' {
  if (value === undefined || value === '' || value === 'signature') return 'signature';
  if (value === 'signature+fetch') return value;
  throw new Error(`OMISE_WEBHOOK_VERIFY must be "signature" or "signature+fetch", got "${value}".`);
}

function webhookSecrets(value: string | undefined, nodeEnv: string | undefined): string[] {
  const secrets = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (secrets.length > 0) return secrets;
  if (nodeEnv === 'production') {
    throw new Error(
      'OMISE_WEBHOOK_SECRET is not set. Set it to the webhook secret from the Omise dashboard ' +
        '(Webhooks page; comma-separate two while rotating). The app refuses to run without it in production.',
    );
  }
  return [developmentSecret()];
}

/** A secret made on first boot and kept in a file, so a developer can sign test events with it. */
function developmentSecret(): string {
  if (!existsSync(DEV_SECRET_FILE)) {
    mkdirSync(dirname(DEV_SECRET_FILE), { recursive: true });
    writeFileSync(DEV_SECRET_FILE, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    chmodSync(DEV_SECRET_FILE, 0o600);
  }
  // The file is named, never its content: secrets stay out of logs.
  new Logger('OmiseWebhooks').warn(
    `OMISE_WEBHOOK_SECRET is not set: using a development secret kept in ${DEV_SECRET_FILE}. ` +
      'Send a signed test event with `npm run cli -- trigger charge.complete` (see README).',
  );
  return readFileSync(DEV_SECRET_FILE, 'utf8').trim();
}

function optionalInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^[0-9]+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${raw}".`);
  return Number(raw);
}
