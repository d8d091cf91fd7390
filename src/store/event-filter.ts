import { keyPatternToLike, type SqlParams } from './sql-dialect';
import type { EventFilter, ReplayFilter } from './stored-event.types';

/** The filter as SQL conditions on omise_webhook_events (none: every row). */
export function filterConditions(p: SqlParams, filter: EventFilter): string[] {
  const where: string[] = [];
  const statuses = filter.status === undefined ? [] : typeof filter.status === 'string' ? [filter.status] : filter.status;
  if (statuses.length === 1) where.push(`status = ${p.add(statuses[0])}`);
  else if (statuses.length > 1) where.push(`status IN (${p.list(statuses)})`);
  if (filter.key) {
    where.push(filter.key.includes('*') ? `event_key LIKE ${p.add(keyPatternToLike(filter.key))} ESCAPE '!'` : `event_key = ${p.add(filter.key)}`);
  }
  if (filter.since) where.push(`received_at >= ${p.time(filter.since)}`);
  if (filter.until) where.push(`received_at < ${p.time(filter.until)}`);
  // Two index lookups (primary key, object_id), merged by every database's planner.
  if (filter.q) where.push(`(event_id = ${p.add(filter.q)} OR object_id = ${p.add(filter.q)})`);
  return where;
}

/** The replay filter as SQL conditions, on top of which statuses a replay may take. */
export function replayConditions(p: SqlParams, filter: ReplayFilter, force: boolean): string[] {
  // A running event is never touched; without force, finished ones (processed, ignored) neither.
  const where = [force ? "status <> 'processing'" : "status IN ('failed', 'dead', 'pending')"];
  if ('eventId' in filter) where.push(`event_id = ${p.add(filter.eventId)}`);
  else if ('eventIds' in filter) where.push(filter.eventIds.length > 0 ? `event_id IN (${p.list(filter.eventIds)})` : '1 = 0');
  else where.push(...filterConditions(p, filter));
  return where;
}

/** The filter as an operator reads it, for the replay history (`status=dead key=charge.*`). */
export function describeReplayFilter(filter: ReplayFilter): string {
  if ('eventId' in filter) return `event ${filter.eventId}`;
  if ('eventIds' in filter) {
    const shown = filter.eventIds.slice(0, 3).join(', ');
    return `${filter.eventIds.length} event(s) by id: ${shown}${filter.eventIds.length > 3 ? ', …' : ''}`;
  }
  const status = filter.status === undefined ? undefined : typeof filter.status === 'string' ? filter.status : filter.status.join(',');
  const parts = [
    status && `status=${status}`,
    filter.key && `key=${filter.key}`,
    filter.since && `since=${filter.since.toISOString()}`,
    filter.until && `until=${filter.until.toISOString()}`,
    filter.q && `q=${filter.q}`,
  ].filter((part): part is string => typeof part === 'string');
  return parts.length > 0 ? parts.join(' ') : 'all events';
}
