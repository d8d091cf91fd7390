import type { DataSource } from 'typeorm';
import { signOmiseWebhook } from 'omise-nest-webhooks/testing';
import { eventBody, WEBHOOK_PATH, type RawRequest, type TimedResponse } from './omise-events';
import { SECRET } from './webhooks-test-app';

/** A new signed delivery: the request, and the id of its event. */
export interface Delivery {
  id: string;
  body: string;
  request: RawRequest;
}

export function newDelivery(overrides: Record<string, unknown> = {}): Delivery {
  const body = eventBody(overrides);
  return { id: (JSON.parse(body) as { id: string }).id, body, request: signedRequest(body) };
}

/** The same bytes signed now: a redelivery, as Omise sends one. */
export function signedRequest(body: string | Buffer): RawRequest {
  return { path: WEBHOOK_PATH, body, headers: { ...signOmiseWebhook(body, SECRET) } };
}

/** The module's `reason`, or what the body was when it is not the module's error shape. */
export function reasonOf(response: TimedResponse): string | undefined {
  try {
    return (JSON.parse(response.body) as { reason?: string }).reason;
  } catch {
    return undefined;
  }
}

export function isDuplicate(response: TimedResponse): boolean | undefined {
  try {
    return (JSON.parse(response.body) as { duplicate?: boolean }).duplicate;
  } catch {
    return undefined;
  }
}

/**
 * What the tests compare: the status, the reason (or, for no answer, the client's note of it) and the
 * time, so a failure shows all three.
 */
export function outcome(response: TimedResponse): { status: number; reason: string | undefined; ms: number } {
  return { status: response.status, reason: reasonOf(response) ?? (response.status === 0 ? response.body : undefined), ms: response.ms };
}

/** A jest asymmetric matcher: a number of milliseconds no larger than `max`. */
export function atMost(max: number): unknown {
  return {
    $$typeof: Symbol.for('jest.asymmetricMatcher'),
    asymmetricMatch: (value: unknown) => typeof value === 'number' && value <= max,
    toString: () => `AtMost<${max}>`,
    toAsymmetricMatcher: () => `≤ ${max} ms`,
  };
}

/** The ids among `ids` that have a row in omise_webhook_events, with its status. */
export async function storedStatuses(dataSource: DataSource, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const postgres = dataSource.options.type === 'postgres';
  const list = ids.map((_, i) => (postgres ? `$${i + 1}` : '?')).join(', ');
  const rows: Array<{ event_id: string; status: string }> = await dataSource.query(
    `SELECT event_id, status FROM omise_webhook_events WHERE event_id IN (${list})`,
    [...ids],
  );
  return new Map(rows.map((row) => [row.event_id, row.status]));
}
