import { EventsApiError, EventsApiKeyRefused, OmiseEventsApi, type EventsPage, type EventsQuery } from '../../wire/omise-events-api';
import { CliFailure, UsageError } from '../cli-command';
import { httpUrl } from './option-values';

export type { EventsPage, ListedEvent } from '../../wire/omise-events-api';

/** The options of every command that reads the Omise Events API. */
export const EVENTS_API_OPTIONS = { 'api-base': { type: 'string' }, 'secret-key': { type: 'string' } } as const;

export const EVENTS_API_HELP = `  --secret-key KEY    Omise secret API key, skey_… (default: OMISE_SECRET_KEY). Never printed.
  --api-base URL      default: OMISE_API_BASE_URL, else https://api.omise.co`;

/** A wrong key: polling again cannot help. */
export class SecretKeyRefused extends CliFailure {}

/** The Events API (wire/omise-events-api.ts) for a command: its failures as the CLI reports them. */
export class OmiseEventsClient {
  private readonly api: OmiseEventsApi;

  constructor(
    readonly baseUrl: string,
    secretKey: string,
  ) {
    // An operator waits, not Omise: more time than the module's inline confirmation gets.
    this.api = new OmiseEventsApi(baseUrl, secretKey, 15_000);
  }

  /** `--secret-key` (else OMISE_SECRET_KEY) and `--api-base` (else OMISE_API_BASE_URL, else Omise's). */
  static fromOptions(values: { 'api-base'?: string; 'secret-key'?: string }, env: NodeJS.ProcessEnv): OmiseEventsClient {
    const secretKey = (values['secret-key'] ?? env.OMISE_SECRET_KEY ?? '').trim();
    if (!secretKey) throw new UsageError('the Omise secret key is required: --secret-key skey_… or OMISE_SECRET_KEY');
    if (secretKey.startsWith('pkey_')) throw new UsageError('that is a public key (pkey_…): the Events API needs the secret key (skey_…)');
    const apiBase = httpUrl('--api-base', values['api-base'] ?? (env.OMISE_API_BASE_URL || 'https://api.omise.co'));
    return new OmiseEventsClient(apiBase, secretKey);
  }

  /** Events created in `[from, to]`, oldest first. */
  async list(query: EventsQuery): Promise<EventsPage> {
    try {
      return await this.api.list(query);
    } catch (error) {
      if (error instanceof EventsApiKeyRefused) {
        throw new SecretKeyRefused(`${error.message}: check --secret-key or OMISE_SECRET_KEY (skey_…, not the webhook secret)`);
      }
      if (error instanceof EventsApiError) throw new CliFailure(error.message);
      throw error;
    }
  }
}
