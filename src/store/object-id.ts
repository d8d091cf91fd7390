import type { OmiseEvent } from '../events/omise-event';

/** The longest object id kept in `object_id` (Omise ids are about 30 characters). */
export const OBJECT_ID_MAX_LENGTH = 64;

/**
 * The id of the object an event is about (`data.id`: `chrg_…`, `trsf_…`), kept in its own indexed
 * column so "what happened to chrg_…?" is an index lookup. Only a string of 1 to 64 printable ASCII
 * characters is kept; anything else (absent, a number, too long) leaves the column NULL. The
 * migration's backfill applies the same rule in SQL.
 */
export function objectIdOf(event: Pick<OmiseEvent, 'data'>): string | null {
  const id = (event.data as { id?: unknown } | null | undefined)?.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > OBJECT_ID_MAX_LENGTH) return null;
  return /^[\x20-\x7e]+$/.test(id) ? id : null;
}
