import { Equals, IsBoolean, IsISO8601, IsObject, IsString, Matches, ValidateIf, validateSync } from 'class-validator';
import { OmiseEventError } from '../errors/omise-event.error';

/** The object an event is about: a charge, a transfer, … (typed per key by the event catalogue). */
export interface OmiseObject {
  object: string;
  id: string;
  [field: string]: unknown;
}

/**
 * An Omise event as delivered, plus `createdAt`: accounts on API version 2017-11-02 or older send
 * `created`, newer ones `created_at`; handlers read the one normalized Date instead.
 */
export interface OmiseEvent<TKey extends string = string, TData = OmiseObject> {
  object: 'event';
  id: string;
  key: TKey;
  livemode: boolean;
  location?: string;
  data: TData;
  created_at?: string;
  created?: string;
  createdAt: Date;
  webhook_deliveries?: Array<{ status?: number; uri?: string; created_at?: string; [field: string]: unknown }>;
  [field: string]: unknown;
}

/** The fields intake relies on. Other fields are kept as they came: Omise adds fields over time. */
class OmiseEventEnvelope {
  @Equals('event', { message: 'object must be "event"' })
  object!: string;

  // What every database stores as it came, in a key column of its length: printable ASCII only (Omise
  // ids and keys are `[a-z0-9_.]`). A NUL, a control character or an unpaired surrogate would be
  // refused by PostgreSQL and sink the batch it was written with.
  @IsString()
  @Matches(/^[\x21-\x7e]{1,64}$/, { message: 'id must be 1 to 64 printable ASCII characters, as Omise ids are (evnt_…)' })
  id!: string;

  @IsString()
  @Matches(/^[\x21-\x7e]{1,100}$/, { message: 'key must be 1 to 100 printable ASCII characters, as Omise keys are (charge.complete)' })
  key!: string;

  @IsBoolean()
  livemode!: boolean;

  @IsObject()
  data!: object;

  @ValidateIf((event: OmiseEventEnvelope) => event.created === undefined)
  @IsISO8601({}, { message: 'created_at (or, before API version 2019-05-29, created) must be an ISO-8601 time' })
  created_at?: string;

  @ValidateIf((event: OmiseEventEnvelope) => event.created_at === undefined)
  @IsISO8601({}, { message: 'created (or, since API version 2019-05-29, created_at) must be an ISO-8601 time' })
  created?: string;
}

// JSON is UTF-8 (RFC 8259); a body that is not is refused rather than silently repaired, so the
// stored text is byte for byte what was signed.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A delivery's event, and its body as UTF-8 text, byte for byte what was signed (what is stored). */
export interface ReceivedDelivery {
  event: OmiseEvent;
  bodyText: string;
}

/**
 * Parses and checks the body of a delivery as the endpoint does (after its signature passed): UTF-8
 * JSON holding an Omise event envelope. Throws {@link OmiseEventError} otherwise.
 */
export function parseOmiseEvent(body: Buffer | string): OmiseEvent {
  return readDelivery(typeof body === 'string' ? Buffer.from(body) : body).event;
}

/**
 * The event and its text, as intake stores them and the worker reads them back: what this accepts,
 * the worker can route (an id and key it can store and match, a plain object as `data`, a real time).
 */
export function readDelivery(rawBody: Buffer): ReceivedDelivery {
  let bodyText: string;
  try {
    bodyText = utf8.decode(rawBody);
  } catch {
    throw new OmiseEventError('invalid_json', 'The body is not valid UTF-8 JSON.');
  }
  return { event: readEvent(bodyText), bodyText };
}

/**
 * An event from the events table, checked again as intake checks a delivery: a row stored before a
 * check was added, or changed by hand, is refused here too (the worker ends it `dead` with the reason)
 * rather than failing somewhere in the middle of dispatch.
 */
export function readStoredEvent(bodyText: string): OmiseEvent {
  return readEvent(bodyText);
}

const ENVELOPE_FIELDS = ['object', 'id', 'key', 'livemode', 'data', 'created_at', 'created'] as const;

function readEvent(bodyText: string): OmiseEvent {
  const json = parseJson(bodyText);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new OmiseEventError('invalid_event', 'The body must be a JSON object: an Omise event.');
  }
  // The envelope's own fields, copied one by one onto a fresh instance: nothing in the body (a
  // `__proto__`, a getter) can change what is validated.
  const envelope = new OmiseEventEnvelope();
  for (const field of ENVELOPE_FIELDS) {
    if (Object.hasOwn(json, field)) (envelope as unknown as Record<string, unknown>)[field] = (json as Record<string, unknown>)[field];
  }
  const errors = validateSync(envelope, { forbidUnknownValues: true });
  const details = errors.flatMap((error) => Object.values(error.constraints ?? {}));
  const event = json as OmiseEvent;
  if (details.length === 0) {
    event.createdAt = new Date((event.created_at ?? event.created) as string);
    if (Number.isNaN(event.createdAt.getTime())) details.push(`${event.created_at === undefined ? 'created' : 'created_at'} is not a real time`);
  }
  if (details.length > 0) throw new OmiseEventError('invalid_event', 'The body is not an Omise event envelope.', details);
  return event;
}

/**
 * JSON.parse, refusing a `__proto__` key anywhere: Omise never sends one, and a handler that merges
 * the payload into an object of its own (`Object.assign`, a deep merge) would have its prototype
 * replaced. The reviver, which costs a call per value, runs only when the text could spell one.
 */
function parseJson(text: string): unknown {
  const mayHavePrototypeKey = text.includes('__proto__') || text.includes('\\u');
  try {
    return mayHavePrototypeKey ? JSON.parse(text, refusePrototypeKeys) : JSON.parse(text);
  } catch (error) {
    if (error instanceof OmiseEventError) throw error;
    throw new OmiseEventError('invalid_json', 'The body is not valid UTF-8 JSON.');
  }
}

function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new OmiseEventError('invalid_event', 'The body is not an Omise event envelope.', ['no object in it may have a __proto__ key']);
  return value;
}
