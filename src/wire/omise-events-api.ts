/** An event as the Events API lists it; kept whole, so what is stored or forwarded is what the API returned. */
export type ListedEvent = Record<string, unknown> & { id: string; created_at?: string; created?: string };

export interface EventsQuery {
  /** Events created at or after this time (whole seconds: Omise times have no fraction). */
  from: Date;
  /** Created at or before this time; default the API's now. */
  to?: Date;
  offset: number;
  /** At most 100, the API's bound. */
  limit: number;
  /** Gives up the call (shutdown); the call's own timeout applies as well. */
  signal?: AbortSignal;
}

export interface EventsPage {
  /** The page's items that are objects with an id. */
  events: ListedEvent[];
  /** Items on the page, events or not: what the next page's offset moves by. */
  listed: number;
  /** Events matching the query in all pages. */
  total: number;
}

/** The Events API did not answer a page: unreachable, an error status, or not a list. */
export class EventsApiError extends Error {
  override readonly name: string = 'EventsApiError';
}

/** 401: the API refused the secret key. Asking again cannot help. */
export class EventsApiKeyRefused extends EventsApiError {
  override readonly name = 'EventsApiKeyRefused';
}

/**
 * `GET /events` of the Omise API, shared by reconciliation and the CLI's `forward`: HTTP basic auth
 * with the secret key as user name and an empty password, a list object
 * `{ object: "list", data: [events], total, offset, limit, … }` back. No message it makes includes
 * the key, only the base URL.
 */
export class OmiseEventsApi {
  private readonly authorization: string;
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    secretKey: string,
    private readonly timeoutMs: number,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    // Only this header carries the key.
    this.authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
  }

  /** One page of events in `[from, to]`, oldest first. */
  async list(query: EventsQuery): Promise<EventsPage> {
    const params = new URLSearchParams({ order: 'chronological', from: omiseTime(query.from) });
    if (query.to) params.set('to', omiseTime(query.to));
    params.set('offset', String(query.offset));
    params.set('limit', String(query.limit));
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}/events?${params.toString()}`, {
        headers: { Authorization: this.authorization, Accept: 'application/json' },
        signal: query.signal ? AbortSignal.any([query.signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (error) {
      query.signal?.throwIfAborted();
      throw new EventsApiError(`could not reach ${this.baseUrl} (${fetchFailure(error)})`);
    }
    if (response.status === 401) throw new EventsApiKeyRefused('the Omise API refused the secret key (401)');
    if (!response.ok) throw new EventsApiError(`GET ${this.baseUrl}/events answered ${response.status}${apiMessage(text)}`);
    return this.parseList(text);
  }

  private parseList(text: string): EventsPage {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch {
      list = undefined;
    }
    const { object, data, total } = (list ?? {}) as { object?: unknown; data?: unknown; total?: unknown };
    if (object !== 'list' || !Array.isArray(data)) throw new EventsApiError(`GET ${this.baseUrl}/events did not answer a list object`);
    const events = data.filter((item): item is ListedEvent => typeof item === 'object' && item !== null && typeof (item as ListedEvent).id === 'string');
    return { events, listed: data.length, total: typeof total === 'number' ? total : data.length };
  }
}

/**
 * The event as a webhook carries it: the API lists an event with its past `webhook_deliveries`
 * (each with a copy of the payload), while the body Omise posts has that list empty.
 */
export function asDelivered(event: ListedEvent): ListedEvent {
  return Array.isArray(event.webhook_deliveries) ? { ...event, webhook_deliveries: [] } : event;
}

/** The useful part of a fetch failure: undici puts the system error (ECONNREFUSED, …) in `cause`. */
export function fetchFailure(error: unknown): string {
  if ((error as Error).name === 'TimeoutError') return 'no answer in time';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).name;
}

/** A time as the API takes it: whole seconds, `2026-01-31T12:00:00Z`. */
export function omiseTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
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
