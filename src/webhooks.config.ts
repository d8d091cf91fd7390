import { parseDuration } from './common/duration';
import { Masker } from './masking/masker';
import { decodeWebhookSecret } from './wire/omise-signature';
import type { DispatchOptions, ReconcileOptions, RetryPolicy, WebhooksModuleExtras, WebhooksModuleOptions } from './webhooks.options';

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 5_000, maxDelayMs: 3_600_000 };

/** Options with every default applied, resolved once at boot; nothing downstream re-applies defaults. */
export interface WebhooksConfig {
  readonly secrets: readonly Buffer[];
  readonly toleranceSeconds: number;
  readonly maxBodyBytes: number;
  readonly databaseTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxPendingDeliveries: number;
  readonly metrics: boolean;
  readonly tracing: boolean;
  readonly lifecycleEvents: boolean;
  readonly path: string;
  readonly dispatch: Required<Omit<DispatchOptions, 'retry'>> & { readonly retry: RetryPolicy };
  readonly verify: 'signature' | 'signature+fetch';
  readonly omiseApi: { readonly secretKey: string | null; readonly baseUrl: string; readonly timeoutMs: number };
  /** null: off. */
  readonly reconcile: { readonly everyMs: number; readonly lookbackMs: number; readonly secretKey: string; readonly timeoutMs: number } | null;
  /** Masks text and JSON on their way out of the process, with the host's `mask` option applied. */
  readonly mask: Masker;
}
export const WebhooksConfig = Symbol('WebhooksConfig');

export const DEFAULT_TOLERANCE_SECONDS = 300;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * Resolves what the host passed, once, at boot. `bodyColumnBytes`: the most the database's body
 * column holds (MySQL's TEXT: 64 KiB; unbounded elsewhere), the ceiling of `maxBodyBytes`.
 */
export function resolveWebhooksConfig(options: WebhooksModuleOptions, extras: WebhooksModuleExtras, bodyColumnBytes: number): WebhooksConfig {
  const secrets = (typeof options.secrets === 'string' ? options.secrets.split(',') : options.secrets)
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
  if (secrets.length === 0) {
    // An empty secret that "accepts everything" is a hole: refuse to boot instead.
    throw new Error('WebhooksModule: no webhook secret configured (set OMISE_WEBHOOK_SECRET or pass `secrets`).');
  }
  const decoded = secrets.map((secret, index) => {
    try {
      return decodeWebhookSecret(secret);
    } catch (error) {
      throw new Error(`WebhooksModule: secret #${index + 1}: ${(error as Error).message}`);
    }
  });
  const toleranceSeconds = positiveInteger('toleranceSeconds', options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
  const maxBodyBytes = positiveInteger('maxBodyBytes', options.maxBodyBytes ?? Math.min(DEFAULT_MAX_BODY_BYTES, bodyColumnBytes));
  if (maxBodyBytes > bodyColumnBytes) {
    throw new Error(`WebhooksModule: maxBodyBytes is ${maxBodyBytes}, but on MySQL/MariaDB the body column holds at most ${bodyColumnBytes} bytes.`);
  }
  const databaseTimeoutMs = positiveInteger('databaseTimeoutMs', options.databaseTimeoutMs ?? 5_000);
  const bodyTimeoutMs = positiveInteger('bodyTimeoutMs', options.bodyTimeoutMs ?? 10_000);
  const maxPendingDeliveries = positiveInteger('maxPendingDeliveries', options.maxPendingDeliveries ?? 1_000);
  const dispatch = {
    enabled: options.dispatch?.enabled ?? true,
    concurrency: options.dispatch?.concurrency ?? 8,
    leaseMs: options.dispatch?.leaseMs ?? 60_000,
    sweepIntervalMs: options.dispatch?.sweepIntervalMs ?? 5_000,
    shutdownTimeoutMs: options.dispatch?.shutdownTimeoutMs ?? 10_000,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.dispatch?.retry },
  };
  for (const [name, value] of Object.entries({ ...dispatch, ...dispatch.retry })) {
    if (typeof value === 'number') positiveInteger(`dispatch.${name}`, value);
  }
  const verify = options.verify ?? 'signature';
  const omiseApi = {
    secretKey: options.omiseApi?.secretKey?.trim() || null,
    baseUrl: (options.omiseApi?.baseUrl ?? 'https://api.omise.co').replace(/\/+$/, ''),
    timeoutMs: options.omiseApi?.timeoutMs ?? 5_000,
  };
  if (verify === 'signature+fetch' && !omiseApi.secretKey) {
    throw new Error("WebhooksModule: verify 'signature+fetch' needs omiseApi.secretKey (the skey_… API key; OMISE_SECRET_KEY in the demo).");
  }
  return {
    secrets: decoded,
    toleranceSeconds,
    maxBodyBytes,
    databaseTimeoutMs,
    bodyTimeoutMs,
    maxPendingDeliveries,
    metrics: options.metrics ?? false,
    tracing: options.tracing ?? false,
    lifecycleEvents: options.lifecycleEvents ?? false,
    path: extras.path.replace(/^\/+|\/+$/g, ''),
    dispatch,
    verify,
    omiseApi,
    reconcile: options.reconcile ? resolveReconcile(options.reconcile, omiseApi.secretKey) : null,
    mask: new Masker(options.mask),
  };
}

function resolveReconcile(options: ReconcileOptions, apiSecretKey: string | null): NonNullable<WebhooksConfig['reconcile']> {
  const secretKey = options.secretKey?.trim() || apiSecretKey;
  if (!secretKey) {
    throw new Error('WebhooksModule: reconcile needs the secret API key (skey_…): set reconcile.secretKey or omiseApi.secretKey.');
  }
  if (secretKey.startsWith('pkey_')) throw new Error('WebhooksModule: reconcile needs the secret API key (skey_…), not the public key (pkey_…).');
  return {
    everyMs: durationMs('reconcile.every', options.every),
    lookbackMs: durationMs('reconcile.lookback', options.lookback),
    secretKey,
    timeoutMs: positiveInteger('reconcile.timeoutMs', options.timeoutMs ?? 15_000),
  };
}

/** ms as a number, or a duration such as `15m`. */
function durationMs(name: string, value: number | string): number {
  if (typeof value === 'number') return positiveInteger(name, value);
  const ms = parseDuration(value.trim());
  if (ms === null) throw new Error(`WebhooksModule: ${name} must be ms or a duration such as 15m, 12h or 3d, got "${value}".`);
  return ms;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`WebhooksModule: ${name} must be a positive whole number.`);
  return value;
}
