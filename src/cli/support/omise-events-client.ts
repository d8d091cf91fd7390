import { CliFailure } from '../cli-command';
import { reason } from './webhook-delivery';

/** An event as the Events API lists it; kept whole, so what is forwarded is what the API returned. */
export type ListedEvent = Record<string, unknown> & { id: string; created_at?: string; created?: string };

export interface EventsPage {
  events: ListedEvent[];
  /** Events matching the query in all pages. */
  total: number;
}

/** A wrong key: polling again cannot help. */
export class SecretKeyRefused extends CliFailure {}

/**
 * `GET /events` of the Omise API: HTTP basic auth with the secret key as user name and an empty
 * password, a list object `{ object: "list", data: [events], total, offset, limit, … }` back.
 */
export class OmiseEventsClient {
  private readonly authorization: string;

  constructor(
    private readonly baseUrl: string,
    secretKey: string,
  ) {
    // Only this header carries the key; no message below ever includes it.
    this.authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
  }

  /** Events created at or after `from`, oldest first. */
  async list(from: string, offset: number, limit: number): Promise<EventsPage> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/events?${new URLSearchParams({ order: 'chronological', from, offset: String(offset), limit: String(limit) }).toString()}`;
    let response: Response;
    try {
      response = await fetch(url, { headers: { Authorization: this.authorization, Accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
    } catch (error) {
      throw new CliFailure(`could not reach ${this.baseUrl} (${reason(error)})`);
    }
    const text = await response.text();
    if (response.status === 401) {
      throw new SecretKeyRefused('the Omise API refused the secret key (401): check --secret-key or OMISE_SECRET_KEY (skey_…, not the webhook secret)');
    }
    if (!response.ok) throw new CliFailure(`GET ${this.baseUrl}/events answered ${response.status}${apiMessage(text)}`);
    return parseList(text, this.baseUrl);
  }
}

function parseList(text: string, baseUrl: string): EventsPage {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    list = undefined;
  }
  const { object, data, total } = (list ?? {}) as { object?: unknown; data?: unknown; total?: unknown };
  if (object !== 'list' || !Array.isArray(data)) throw new CliFailure(`GET ${baseUrl}/events did not answer a list object`);
  const events = data.filter((item): item is ListedEvent => typeof item === 'object' && item !== null && typeof (item as ListedEvent).id === 'string');
  return { events, total: typeof total === 'number' ? total : events.length };
}

/** The API's own explanation (`{ object: "error", code, message }`), when it gave one. */
function apiMessage(text: string): string {
  try {
    const error = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof error.message !== 'string') return '';
    return typeof error.code === 'string' ? ` (${error.code}: ${error.message})` : ` (${error.message})`;
  } catch {
    return '';
  }
}
