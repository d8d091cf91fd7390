import { parseDuration } from '../../common/duration';
import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from '../../store/webhook-event.entity';
import { UsageError } from '../cli-command';

/*
 * Option values, checked: each parser names the option and shows a valid value, and throws a
 * UsageError (exit 2) before any work starts.
 */

/** A whole number ≥ 1. */
export function positiveInt(flag: string, value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`${flag} must be a whole number ≥ 1, got "${value}"`);
  return Number(value);
}

/** An ISO-8601 time (`2026-01-31`, `2026-01-31T12:00:00Z`). */
export function isoTime(flag: string, value: string): Date {
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time)) {
    throw new UsageError(`${flag} must be an ISO-8601 time such as 2026-01-31 or 2026-01-31T12:00:00Z, got "${value}"`);
  }
  return new Date(time);
}

/** A duration such as `30d`, `12h`, `90m`, `5s`, `500ms`, in milliseconds. */
export function duration(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new UsageError(`${flag} must be a duration such as 30d, 12h, 90m or 5s, got "${value}"`);
  return ms;
}

/** An http(s) URL. */
export function httpUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be a URL such as http://localhost:3000/webhooks/omise, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http:// or https:// URL, got "${value}"`);
  return value;
}

/** `--status`, repeatable or comma-separated (`--status dead,failed`). */
export function statuses(values: readonly string[] | undefined): WebhookEventStatus[] | undefined {
  if (values === undefined) return undefined;
  const named = values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
  for (const status of named) {
    if (!(WEBHOOK_EVENT_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`--status must be one of ${WEBHOOK_EVENT_STATUSES.join(', ')}, got "${status}"`);
    }
  }
  if (named.length === 0) throw new UsageError('--status needs a value');
  return named as WebhookEventStatus[];
}
