import { parseDuration } from './common/duration';
import { DEFAULT_ACCOUNT } from './events/omise-mode';
import { Masker } from './masking/masker';
import { decodeWebhookSecret } from './wire/omise-signature';
import type {
  DispatchOptions,
  OmiseAccountOptions,
  OmiseMode,
  ReconcileOptions,
  RetryPolicy,
  WebhooksModuleExtras,
  WebhooksModuleOptions,
} from './webhooks.options';

const ACCOUNT_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** One Omise account as the module serves it. */
export interface ResolvedAccount {
  /** `default` for the endpoint at `path`; its own name, at `<path>/<name>`, for the others. */
  readonly name: string;
  readonly secrets: readonly Buffer[];
  readonly mode: OmiseMode;
  /** `skey_…` for the Events API (reconciliation, signature+fetch); null when none was given. */
  readonly secretKey: string | null;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 5_000, maxDelayMs: 3_600_000 };

/** Options with every default applied, resolved once at boot; nothing downstream re-applies defaults. */
export interface WebhooksConfig {
  /** Every account, by name; `default` is the one at `path` itself. */
  readonly accounts: ReadonlyMap<string, ResolvedAccount>;
  /** The module's `mode`: the default account's, and the one of an account this instance does not know. */
  readonly mode: OmiseMode;
  /** Whether `mode` was left to its development default (`any`): the module says so at boot. */
  readonly modeDefaulted: boolean;
  /** How the webhook route is served: through Nest's router, or before it. */
  readonly route: 'nest' | 'direct';
  readonly toleranceSeconds: number;
  readonly maxBodyBytes: number;
  readonly databaseTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxPendingDeliveries: number;
  /** Intake's own connections; 0: the host's pool. */
  readonly intakeConnections: number;
  readonly metrics: boolean;
  readonly tracing: boolean;
  readonly lifecycleEvents: boolean;
  readonly path: string;
  readonly dispatch: Required<Omit<DispatchOptions, 'retry'>> & { readonly retry: RetryPolicy };
  readonly verify: 'signature' | 'signature+fetch';
  /** The Events API; each account brings its own key. */
  readonly omiseApi: { readonly baseUrl: string; readonly timeoutMs: number };
  /** null: off. Every account is reconciled, each with its own key. */
  readonly reconcile: { readonly everyMs: number; readonly lookbackMs: number; readonly timeoutMs: number } | null;
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
export function resolveWebhooksConfig(
  options: WebhooksModuleOptions,
  extras: WebhooksModuleExtras,
  bodyColumnBytes: number,
  environment: NodeJS.ProcessEnv = process.env,
): WebhooksConfig {
  if (options.mode === undefined && environment.NODE_ENV === 'production') {
    // A production app that says nothing would run test-mode events through the handlers that
    // mark real orders paid: it must choose.
    throw new Error(
      "WebhooksModule: set `mode` in production: 'live' takes live-mode events only (test-mode ones are stored and ignored), " +
        "'test' the other way round (a staging app fed by Omise's test mode), 'any' both (OMISE_WEBHOOK_MODE in the demo).",
    );
  }
  const mode = options.mode === undefined ? 'any' : checkedMode('mode', options.mode);
  const accounts = resolveAccounts(options, mode);
  const toleranceSeconds = positiveInteger('toleranceSeconds', options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
  const maxBodyBytes = positiveInteger('maxBodyBytes', options.maxBodyBytes ?? Math.min(DEFAULT_MAX_BODY_BYTES, bodyColumnBytes));
  if (maxBodyBytes > bodyColumnBytes) {
    throw new Error(`WebhooksModule: maxBodyBytes is ${maxBodyBytes}, but on MySQL/MariaDB the body column holds at most ${bodyColumnBytes} bytes.`);
  }
  const databaseTimeoutMs = positiveInteger('databaseTimeoutMs', options.databaseTimeoutMs ?? 5_000);
  const bodyTimeoutMs = positiveInteger('bodyTimeoutMs', options.bodyTimeoutMs ?? 10_000);
  const maxPendingDeliveries = positiveInteger('maxPendingDeliveries', options.maxPendingDeliveries ?? 1_000);
  const intakeConnections = options.intakeConnections ?? 2;
  if (!Number.isInteger(intakeConnections) || intakeConnections < 0) throw new Error('WebhooksModule: intakeConnections must be a whole number, 0 or more.');
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
    baseUrl: (options.omiseApi?.baseUrl ?? 'https://api.omise.co').replace(/\/+$/, ''),
    timeoutMs: options.omiseApi?.timeoutMs ?? 5_000,
  };
  const withoutKey = [...accounts.values()].filter((account) => account.secretKey === null).map((account) => account.name);
  if (verify === 'signature+fetch' && withoutKey.length > 0) {
    throw new Error(
      `WebhooksModule: verify 'signature+fetch' needs the secret API key (skey_…) of every account; none for ${withoutKey.join(', ')} ` +
        '(omiseApi.secretKey for the default account, secretKey in accounts[]; OMISE_SECRET_KEY in the demo).',
    );
  }
  if (options.reconcile && withoutKey.length > 0) {
    throw new Error(
      `WebhooksModule: reconcile needs the secret API key (skey_…) of every account; none for ${withoutKey.join(', ')} ` +
        '(reconcile.secretKey or omiseApi.secretKey for the default account, secretKey in accounts[]).',
    );
  }
  return {
    accounts,
    mode,
    modeDefaulted: options.mode === undefined,
    route: checkedRoute(options.route),
    toleranceSeconds,
    maxBodyBytes,
    databaseTimeoutMs,
    bodyTimeoutMs,
    maxPendingDeliveries,
    intakeConnections,
    metrics: options.metrics ?? false,
    tracing: options.tracing ?? false,
    lifecycleEvents: options.lifecycleEvents ?? false,
    path: extras.path.replace(/^\/+|\/+$/g, ''),
    dispatch,
    verify,
    omiseApi,
    reconcile: options.reconcile ? resolveReconcile(options.reconcile) : null,
    mask: new Masker(options.mask),
  };
}

function resolveReconcile(options: ReconcileOptions): NonNullable<WebhooksConfig['reconcile']> {
  return {
    everyMs: durationMs('reconcile.every', options.every),
    lookbackMs: durationMs('reconcile.lookback', options.lookback),
    timeoutMs: positiveInteger('reconcile.timeoutMs', options.timeoutMs ?? 15_000),
  };
}

/**
 * The default account (top-level `secrets`, at `path`) and the named ones (`accounts`, each at
 * `<path>/<name>`). At least one; names unique; every account with a secret, decoded now so a typo
 * fails at boot.
 */
function resolveAccounts(options: WebhooksModuleOptions, mode: OmiseMode): ReadonlyMap<string, ResolvedAccount> {
  const accounts = new Map<string, ResolvedAccount>();
  const hasDefault = options.secrets !== undefined && secretList(options.secrets).length > 0;
  if (hasDefault || !options.accounts?.length) {
    const secretKey = options.reconcile?.secretKey?.trim() || options.omiseApi?.secretKey?.trim() || null;
    accounts.set(DEFAULT_ACCOUNT, {
      name: DEFAULT_ACCOUNT,
      secrets: decodedSecrets('secrets', options.secrets ?? ''),
      mode,
      secretKey: apiKey('omiseApi.secretKey', secretKey),
    });
  }
  (options.accounts ?? []).forEach((account: OmiseAccountOptions, index) => {
    const where = `accounts[${index}]`;
    if (typeof account.name !== 'string' || !ACCOUNT_NAME.test(account.name) || account.name === DEFAULT_ACCOUNT) {
      throw new Error(`WebhooksModule: ${where}.name must be 1 to 32 lower-case letters, digits, _ or - (not "${DEFAULT_ACCOUNT}"), got "${String(account.name)}".`);
    }
    if (accounts.has(account.name)) throw new Error(`WebhooksModule: two accounts are named "${account.name}".`);
    accounts.set(account.name, {
      name: account.name,
      secrets: decodedSecrets(`${where}.secrets`, account.secrets),
      mode: account.mode === undefined ? mode : checkedMode(`${where}.mode`, account.mode),
      secretKey: apiKey(`${where}.secretKey`, account.secretKey?.trim() || null),
    });
  });
  return accounts;
}

function secretList(secrets: string | readonly string[]): string[] {
  return (typeof secrets === 'string' ? secrets.split(',') : secrets).map((secret) => secret.trim()).filter((secret) => secret !== '');
}

function decodedSecrets(name: string, given: string | readonly string[]): Buffer[] {
  const secrets = secretList(given);
  if (secrets.length === 0) {
    // An empty secret that "accepts everything" is a hole: refuse to boot instead.
    throw new Error(`WebhooksModule: no webhook secret configured for ${name} (set OMISE_WEBHOOK_SECRET or pass \`secrets\`, or \`accounts\`).`);
  }
  return secrets.map((secret, index) => {
    try {
      return decodeWebhookSecret(secret);
    } catch (error) {
      throw new Error(`WebhooksModule: ${name}: secret #${index + 1}: ${(error as Error).message}`);
    }
  });
}

function apiKey(name: string, key: string | null): string | null {
  if (key?.startsWith('pkey_')) throw new Error(`WebhooksModule: ${name} must be the secret API key (skey_…), not the public key (pkey_…).`);
  return key;
}

function checkedRoute(route: unknown): 'nest' | 'direct' {
  if (route === undefined || route === 'nest' || route === 'direct') return route ?? 'nest';
  throw new Error(`WebhooksModule: route must be 'nest' or 'direct', got ${JSON.stringify(route)}.`);
}

function checkedMode(name: string, mode: unknown): OmiseMode {
  if (mode === 'live' || mode === 'test' || mode === 'any') return mode;
  throw new Error(`WebhooksModule: ${name} must be 'live', 'test' or 'any', got "${String(mode)}".`);
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

/**
 * Why an event is not for its endpoint: a test-mode event at a live endpoint, or the other way round;
 * null when it is (or the endpoint takes both).
 */
export function modeMismatch(endpointMode: OmiseMode, eventMode: 'live' | 'test', account: string): string | null {
  if (endpointMode === 'any' || endpointMode === eventMode) return null;
  return `a ${eventMode}-mode event at a ${endpointMode} endpoint (account ${account}): stored, never dispatched`;
}

/** The account of an endpoint: the default one at `path` (no name), a named one at `<path>/<name>`. */
export function accountAt(config: Pick<WebhooksConfig, 'accounts'>, name: string | undefined): ResolvedAccount | undefined {
  if (name === DEFAULT_ACCOUNT) return undefined;
  return config.accounts.get(name ?? DEFAULT_ACCOUNT);
}

/**
 * `mode` from a setting (`OMISE_WEBHOOK_MODE`): `live`, `test` or `any`; undefined when empty, so the
 * module's default applies (production refuses to boot without one). Anything else is refused with
 * the setting's name.
 */
export function parseOmiseMode(value: string | undefined, name = 'OMISE_WEBHOOK_MODE'): OmiseMode | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const mode = value.trim();
  if (mode === 'live' || mode === 'test' || mode === 'any') return mode;
  throw new Error(`${name} must be live, test or any, got "${value}".`);
}
