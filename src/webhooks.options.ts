import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './dispatch/retry-schedule';
import type { Dialect } from './store/sql-dialect';
import { decodeWebhookSecret } from './wire/omise-signature';

/** How stored events are delivered to `@OnEvent` handlers. */
export interface DispatchOptions {
  /** Run the worker in this instance. Default true; false for an intake-only instance. */
  enabled?: boolean;
  /** Events processed at once by this instance. Default 8. */
  concurrency?: number;
  /** How long a claim lasts before another instance may take the event (worker presumed dead). Default 60 s. */
  leaseMs?: number;
  /** How often due retries and expired leases are looked for. Default 5 s. */
  sweepIntervalMs?: number;
  /** On shutdown, how long running handlers may take before their events are released. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Attempts and back-off; see retry-schedule.ts for the defaults and why. */
  retry?: Partial<RetryPolicy>;
}

/** What a host application passes to `WebhooksModule.forRoot()` / the `useFactory` of `forRootAsync()`. */
export interface WebhooksModuleOptions {
  /** One or more webhook secrets, base64 as the Omise dashboard shows them. Several while rotating. */
  secrets: string | readonly string[];
  /** How far `Omise-Signature-Timestamp` may be from now, in either direction. Default 300. */
  toleranceSeconds?: number;
  /**
   * Largest body accepted. Default 1 MiB; on MySQL/MariaDB 64 KiB, the most its TEXT column holds
   * (Omise events are a few kB). A larger value there is refused at boot.
   */
  maxBodyBytes?: number;
  dispatch?: DispatchOptions;
  /**
   * `signature` (default): trust a correctly signed body. `signature+fetch`: after the signature passes,
   * fetch the event from the Omise Events API with the secret key and store the API's copy, as
   * Omise's own plugins do; a delivery the API does not know is refused.
   */
  verify?: 'signature' | 'signature+fetch';
  /** The Omise API, for `verify: 'signature+fetch'`. */
  omiseApi?: OmiseApiOptions;
  /**
   * What the boot-time check does when the host's JSON body parser does not keep the raw body (every
   * delivery would be refused with 500 `raw_body_unavailable`): `fail` (default) logs the fix and stops
   * the app from starting; `warn` only logs it.
   */
  rawBodyCheck?: 'fail' | 'warn';
}

export interface OmiseApiOptions {
  /** `skey_…`: the account's secret API key (not the webhook secret). */
  secretKey?: string;
  /** Default `https://api.omise.co`. */
  baseUrl?: string;
  /** Default 5000. Omise waits for the answer, so keep it well under its own timeout. */
  timeoutMs?: number;
}

/** Given statically, next to the options, because routes are fixed before any factory runs. */
export interface WebhooksModuleExtras {
  /** Route of the endpoint, below the host's global prefix. Default `webhooks/omise`. */
  path: string;
}

/** Options with every default applied, resolved once at boot; nothing downstream re-applies defaults. */
export interface WebhooksConfig {
  readonly secrets: readonly Buffer[];
  readonly toleranceSeconds: number;
  readonly maxBodyBytes: number;
  readonly path: string;
  readonly dispatch: Required<Omit<DispatchOptions, 'retry'>> & { readonly retry: RetryPolicy };
  readonly verify: 'signature' | 'signature+fetch';
  readonly omiseApi: { readonly secretKey: string | null; readonly baseUrl: string; readonly timeoutMs: number };
  readonly rawBodyCheck: 'fail' | 'warn';
}
export const WebhooksConfig = Symbol('WebhooksConfig');

export const DEFAULT_WEBHOOK_PATH = 'webhooks/omise';
export const DEFAULT_TOLERANCE_SECONDS = 300;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** MySQL's TEXT, the type of `raw_body` there (the same entity serves every database; see the migration). */
const MYSQL_TEXT_BYTES = 65_535;

export function resolveWebhooksConfig(options: WebhooksModuleOptions, extras: WebhooksModuleExtras, dialect: Dialect): WebhooksConfig {
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
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const bodyColumnBytes = dialect === 'mysql' ? MYSQL_TEXT_BYTES : Infinity;
  const maxBodyBytes = options.maxBodyBytes ?? Math.min(DEFAULT_MAX_BODY_BYTES, bodyColumnBytes);
  if (!Number.isInteger(toleranceSeconds) || toleranceSeconds <= 0) {
    throw new Error('WebhooksModule: toleranceSeconds must be a positive whole number of seconds.');
  }
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new Error('WebhooksModule: maxBodyBytes must be a positive whole number of bytes.');
  }
  if (maxBodyBytes > bodyColumnBytes) {
    throw new Error(`WebhooksModule: maxBodyBytes is ${maxBodyBytes}, but on MySQL/MariaDB the body column holds at most ${bodyColumnBytes} bytes.`);
  }
  const dispatch = {
    enabled: options.dispatch?.enabled ?? true,
    concurrency: options.dispatch?.concurrency ?? 8,
    leaseMs: options.dispatch?.leaseMs ?? 60_000,
    sweepIntervalMs: options.dispatch?.sweepIntervalMs ?? 5_000,
    shutdownTimeoutMs: options.dispatch?.shutdownTimeoutMs ?? 10_000,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.dispatch?.retry },
  };
  for (const [name, value] of Object.entries({ ...dispatch, ...dispatch.retry })) {
    if (typeof value === 'number' && (!Number.isInteger(value) || value <= 0)) {
      throw new Error(`WebhooksModule: dispatch.${name} must be a positive whole number.`);
    }
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
  return { secrets: decoded, toleranceSeconds, maxBodyBytes, path: extras.path.replace(/^\/+|\/+$/g, ''), dispatch, verify, omiseApi, rawBodyCheck: options.rawBodyCheck ?? 'fail' };
}
