import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OmiseEventKey, type OmiseEventOf, parseOmiseEvent } from 'omise-nest-webhooks';

/*
 * Test events built from the real Omise payloads copied into test/fixtures/omise (origins: the
 * shared fixtures' SOURCES.tsv; the file names keep the object or event id). Every event goes
 * through the real intake parser, so `createdAt` is normalized exactly as in production.
 */

const FIXTURES = join(__dirname, '../../../test/fixtures/omise');

export type Json = Record<string, unknown>;

/** A fixture file as JSON (`'transfer/trsf_test_….created.json'`). */
export function fixture(path: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Json;
}

/** A recorded event, as the handlers receive it; `edit` changes the parsed JSON first. */
export function fixtureEvent<K extends OmiseEventKey>(key: K, path: string, edit?: (event: Json) => Json): OmiseEventOf<K> {
  const json = fixture(path);
  return parsed(key, edit ? edit(json) : json);
}

/**
 * An event about `data` (usually an object fixture), in either API version's envelope: 2019-05-29
 * sends `created_at`, 2017-11-02 and older send `created`.
 */
export function omiseEvent<K extends OmiseEventKey>(
  key: K,
  envelope: { id: string; created_at: string } | { id: string; created: string },
  data: Json,
): OmiseEventOf<K> {
  return parsed(key, { object: 'event', livemode: false, location: `/events/${envelope.id}`, key, ...envelope, data });
}

function parsed<K extends OmiseEventKey>(key: K, json: Json): OmiseEventOf<K> {
  const event = parseOmiseEvent(Buffer.from(JSON.stringify(json, null, 2)));
  if (event.key !== key) throw new Error(`The fixture is a ${event.key} event, not ${key}.`);
  // The data is a real payload of that key; nothing in production checks it further either.
  return event as unknown as OmiseEventOf<K>;
}
