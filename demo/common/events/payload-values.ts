import { OMISE_EVENT_OBJECTS, type OmiseEventKey, type OmiseEventOf } from 'omise-nest-webhooks';

/*
 * Reading values out of an event's `data`, which nothing validated: the catalogue's types are what
 * Omise documents, not a guarantee. Each reader returns `undefined` when the field is absent or of
 * the wrong kind (the stored value is then kept), `null` where the payload says null.
 */

/** Longest object id stored (the id columns are varchar(64); Omise ids are about 30 characters). */
export const MAX_ID_LENGTH = 64;

/** The id of the object the event is about, if `data` is that kind of object and has a usable id. */
export function subjectIdOf<K extends OmiseEventKey>(event: OmiseEventOf<K>): string | undefined {
  const data: { object?: unknown; id?: unknown } = event.data;
  if (data.object !== OMISE_EVENT_OBJECTS[event.key]) return undefined;
  return idValue(data.id);
}

/** An Omise id that fits the id columns. */
export function idValue(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH ? value : undefined;
}

/** Text cut to the column's length: an over-long value must not turn the event into a permanent failure. */
export function textValue(value: unknown, maxLength: number): string | null | undefined {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value).slice(0, maxLength);
  return typeof value === 'string' ? value.slice(0, maxLength) : undefined;
}

/** An amount in the smallest currency unit. */
export function amountValue(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** Currencies in upper case, whichever API version wrote them (`thb` before 2019-05-29, `THB` after). */
export function currencyValue(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z]{3}$/.test(value) ? value.toUpperCase() : undefined;
}

/** Leaves out the properties the payload did not carry, so they keep their stored values. */
export function presentValues<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
