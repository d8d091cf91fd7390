import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './dispatch/retry-schedule';
import { parseDuration } from './duration';
import { Masker, type MaskOptions } from './masking/masker';
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
   * The longest any query of the module may take, in ms (default 5000, well under the time Omise
   * waits for an answer). A delivery not stored by then is answered 503, so Omise retries it; a claim
   * or an outcome not written by then is given up, and its connection closed, so a database that
   * stopped answering never hangs a request or the worker.
   */
  databaseTimeoutMs?: number;
  /**
   * How long the body of a delivery may take to arrive, in ms (default 10000). Omise sends a few kB at
   * once: a body still trickling in after that is refused with 408, so a slow client does not hold a
   * connection for the HTTP server's minutes-long default.
   */
  bodyTimeoutMs?: number;
  /**
   * How many deliveries may wait to be written at once (default 1000). Past that, a delivery is
   * refused at once with 503 `store_overloaded` instead of queueing behind a stalled database.
   */
  maxPendingDeliveries?: number;
  /**
   * Prometheus metrics (`omise_webhooks_*`) in prom-client's default registry, so the host's own
   * `/metrics` shows them. Default false; needs the `prom-client` package.
   */
  metrics?: boolean;
  /**
   * OpenTelemetry spans for intake, dispatch and each handler, through `@opentelemetry/api` (no-ops
   * unless the host registers an SDK). Default false; needs the `@opentelemetry/api` package.
   */
  tracing?: boolean;
  /**
   * Emit `omise-webhooks.event.dead` and `omise-webhooks.handler.failed` through the host's
   * EventEmitter2, so one listener can page someone. Default false.
   */
  lifecycleEvents?: boolean;
  /**
   * `signature` (default): trust a correctly signed body. `signature+fetch`: after the signature passes,
   * fetch the event from the Omise Events API with the secret key and store the API's copy, as
   * Omise's own plugins do; a delivery the API does not know is refused.
   */
  verify?: 'signature' | 'signature+fetch';
  /** The Omise API, for `verify: 'signature+fetch'` and `reconcile`. */
  omiseApi?: OmiseApiOptions;
  /**
   * Off by default. When set, instances that dispatch (`dispatch.enabled`) compare the Omise Events
   * API with the table at boot and every `every`, and store and dispatch the events Omise sent that
   * were never stored (an endpoint down longer than Omise's retries). Needs the secret key.
   */
  reconcile?: ReconcileOptions;
  /**
   * What is masked in everything that leaves the process (admin page and API, log lines, lifecycle
   * events, spans): card data, secrets and personal data by default; `paths` adds fields, `except`
   * shows a kind of personal data (see README, Masking).
   */
  mask?: MaskOptions;
}

/** The scheduled reconciliation with the Omise Events API (see README, Reconciliation). */
export interface ReconcileOptions {
  /** Time between runs: ms, or a duration such as `'15m'`. */
  every: number | string;
  /** How far back each run looks, from its start: ms, or a duration such as `'3d'`. */
  lookback: number | string;
  /** `skey_…`; default `omiseApi.secretKey`. */
  secretKey?: string;
  /** The longest one call to the Events API may take (a page of 100 events). Default 15000. */
  timeoutMs?: number;
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
  const toleranceSeconds = positiveInteger('toleranceSeconds', options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
  const bodyColumnBytes = dialect === 'mysql' ? MYSQL_TEXT_BYTES : Infinity;
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
