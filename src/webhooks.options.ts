import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type { MaskOptions } from './masking/masker';

/*
 * What a host passes to `WebhooksModule.forRoot()` / `forRootAsync()`. Public: exported from the
 * package. The options resolved from these, defaults applied, are in webhooks.config.ts.
 */

/**
 * When a failed event is tried again: capped exponential back-off with "equal jitter" (half the delay
 * fixed, half random), so a burst of failures does not come back as a burst.
 *
 * Defaults: 10 attempts, 5 s doubling to a 1 h cap: 5 s, 10 s, 20 s … 42 min, about 1.4 h from the
 * first failure to `dead`. Long enough to ride out a deploy or a downstream outage, short enough that
 * a real bug reaches a person (dead letter + replay) the same day. Omise's own redeliveries do not
 * reset it: a redelivery of a stored event is a duplicate.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

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

/**
 * Which of Omise's two modes an endpoint takes events of. Omise has a test and a live mode, each with
 * its own dashboard, endpoint setting and webhook secret: an event of the other mode is acknowledged
 * (so Omise stops retrying), stored `ignored` with the reason, and never dispatched.
 */
export type OmiseMode = 'live' | 'test' | 'any';

/** One Omise account of several feeding this app (one per country, say), each with its own endpoint. */
export interface OmiseAccountOptions {
  /**
   * 1 to 32 lower-case letters, digits, `_` or `-`: the endpoint is `<path>/<name>`, and the name is
   * stored with each event, shown on the admin page and in the CLI, and a label of the metrics.
   */
  name: string;
  /** This account's webhook secret(s), base64 as its dashboard shows them. Several while rotating. */
  secrets: string | readonly string[];
  /** Default: the module's `mode`. */
  mode?: OmiseMode;
  /** This account's `skey_…`, for `reconcile` and `verify: 'signature+fetch'`. */
  secretKey?: string;
}

/** What a host application passes to `WebhooksModule.forRoot()` / the `useFactory` of `forRootAsync()`. */
export interface WebhooksModuleOptions {
  /**
   * One or more webhook secrets, base64 as the Omise dashboard shows them (several while rotating): the
   * endpoint at `path`, for one account (stored as account `default`). Needed unless `accounts` is given.
   */
  secrets?: string | readonly string[];
  /**
   * `live`, `test` or `any` (both run the handlers). Required when NODE_ENV is `production`, so a
   * production app never runs test-mode events without saying so; `any` by default elsewhere, with a
   * warning at boot. Each account may set its own.
   */
  mode?: OmiseMode;
  /** Several Omise accounts, each at `<path>/<name>` with its own secrets, mode and secret key. */
  accounts?: readonly OmiseAccountOptions[];
  /**
   * How the webhook route is served. `nest` (default): through Nest's router, so the host's global
   * guards, interceptors, pipes and filters run around it as on any route. `direct`: answered before
   * Express and Nest see the request (on Express hosts): the same checks, answers and storage, at a
   * fraction of the cost per delivery, but none of the host's middleware, guards, interceptors or
   * filters runs on that route.
   */
  route?: 'nest' | 'direct';
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
   * Connections the module opens for intake alone, beside the host's pool (default 2; 0: intake uses
   * the host's pool). Handlers that hold transactions can take every connection of the host's pool;
   * these keep acknowledgements from waiting behind them. PostgreSQL and MySQL/MariaDB; SQLite has no
   * pool.
   */
  intakeConnections?: number;
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

/** Where the endpoint is when no `path` is given, below the host's global prefix. */
export const DEFAULT_WEBHOOK_PATH = 'webhooks/omise';

/** What a `useClass` / `useExisting` of `WebhooksModule.forRootAsync()` implements. */
export interface WebhooksOptionsFactory {
  createWebhooksOptions(): WebhooksModuleOptions | Promise<WebhooksModuleOptions>;
}

/** `WebhooksModule.forRootAsync()`'s argument: the options from a factory, and the static extras. */
export type WebhooksModuleAsyncOptions = ConfigurableModuleAsyncOptions<WebhooksModuleOptions, 'createWebhooksOptions'> & Partial<WebhooksModuleExtras>;
