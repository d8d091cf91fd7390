import type { OmiseEventCatalogue, OmiseEventKey, OmiseEventOf } from '..';
import {
  card,
  charge,
  customer,
  dispute,
  link,
  linkedAccount,
  omiseId,
  omiseTime,
  recipient,
  refund,
  schedule,
  transfer,
  type ObjectContext,
} from './omise-objects';

/** Optional all the way down. Arrays and dates are replaced whole by an override, never merged. */
export type DeepPartial<T> = T extends readonly unknown[] | Date
  ? T
  : T extends object
    ? { [P in keyof T]?: DeepPartial<T[P]> }
    : T;

/**
 * What {@link buildOmiseEvent} accepts: any part of the event, at any depth. `createdAt` is left out
 * because it is derived from `created_at`/`created`, as intake derives it. `undefined` removes a field
 * (`{ created_at: undefined, created: '…' }` makes an event in the 2017-11-02 shape).
 */
export type OmiseEventOverrides<K extends OmiseEventKey> = {
  [P in keyof OmiseEventOf<K> as P extends 'createdAt' ? never : P]?: DeepPartial<OmiseEventOf<K>[P]>;
};

/** The id prefix of each kind of object Omise sends in `data`. */
const ID_PREFIX: { readonly [K in OmiseEventKey]: string } = {
  'charge.create': 'chrg',
  'charge.update': 'chrg',
  'charge.capture': 'chrg',
  'charge.reverse': 'chrg',
  'charge.complete': 'chrg',
  'charge.expire': 'chrg',
  'charge.failed': 'chrg',
  'refund.create': 'rfnd',
  'transfer.create': 'trsf',
  'transfer.update': 'trsf',
  'transfer.destroy': 'trsf',
  'transfer.send': 'trsf',
  'transfer.pay': 'trsf',
  'transfer.fail': 'trsf',
  'dispute.create': 'dspt',
  'dispute.update': 'dspt',
  'dispute.accept': 'dspt',
  'dispute.close': 'dspt',
  'schedule.create': 'schd',
  'schedule.suspend': 'schd',
  'schedule.expiring': 'schd',
  'schedule.expire': 'schd',
  'schedule.destroy': 'schd',
  'customer.create': 'cust',
  'customer.update': 'cust',
  'customer.destroy': 'cust',
  'customer.update.card': 'cust',
  'card.update': 'card',
  'card.destroy': 'card',
  'recipient.create': 'recp',
  'recipient.update': 'recp',
  'recipient.destroy': 'recp',
  'recipient.activate': 'recp',
  'recipient.deactivate': 'recp',
  'recipient.verify': 'recp',
  'link.create': 'link',
  // No recorded linked account exists; the prefix is illustrative.
  'linked_account.create': 'lnac',
  'linked_account.complete': 'lnac',
};

/**
 * The object each key carries, in the state that key announces (a `charge.capture` is captured, a
 * `dispute.accept` lost, a `*.destroy` deleted). Typed per key against the catalogue: a missing key,
 * or an object of the wrong kind for a key, does not compile.
 */
const DATA: { readonly [K in OmiseEventKey]: (c: ObjectContext) => OmiseEventCatalogue[K] } = {
  'charge.create': (c) => charge(c, 'pending'),
  'charge.update': (c) => charge(c, 'successful'),
  'charge.capture': (c) => charge(c, 'successful', true),
  'charge.reverse': (c) => charge(c, 'reversed', true),
  'charge.complete': (c) => charge(c, 'successful'),
  'charge.expire': (c) => charge(c, 'expired'),
  'charge.failed': (c) => charge(c, 'failed'),
  'refund.create': refund,
  'transfer.create': (c) => transfer(c, 'created'),
  'transfer.update': (c) => transfer(c, 'created'),
  'transfer.destroy': (c) => transfer(c, 'deleted'),
  'transfer.send': (c) => transfer(c, 'sent'),
  'transfer.pay': (c) => transfer(c, 'paid'),
  'transfer.fail': (c) => transfer(c, 'failed'),
  'dispute.create': (c) => dispute(c, 'open'),
  'dispute.update': (c) => dispute(c, 'pending'),
  'dispute.accept': (c) => dispute(c, 'lost'),
  'dispute.close': (c) => dispute(c, 'won'),
  'schedule.create': (c) => schedule(c, 'running'),
  'schedule.suspend': (c) => schedule(c, 'suspended'),
  'schedule.expiring': (c) => schedule(c, 'expiring'),
  'schedule.expire': (c) => schedule(c, 'expired'),
  'schedule.destroy': (c) => schedule(c, 'deleted'),
  'customer.create': (c) => customer(c),
  'customer.update': (c) => customer(c),
  'customer.destroy': (c) => customer(c, true),
  // `data` is the customer whose card changed, not the card.
  'customer.update.card': (c) => customer(c),
  'card.update': (c) => card(c, c.id, omiseId('cust', c.livemode)),
  'card.destroy': (c) => ({ ...card(c, c.id, omiseId('cust', c.livemode)), deleted: true }),
  'recipient.create': (c) => recipient(c, 'created'),
  'recipient.update': (c) => recipient(c, 'created'),
  'recipient.destroy': (c) => recipient(c, 'deleted'),
  'recipient.activate': (c) => recipient(c, 'active'),
  'recipient.deactivate': (c) => recipient(c, 'inactive'),
  'recipient.verify': (c) => recipient(c, 'verified'),
  'link.create': link,
  'linked_account.create': (c) => linkedAccount(c, 'pending'),
  'linked_account.complete': (c) => linkedAccount(c, 'successful'),
};

/** The amount of the recorded charges (THB 1,000.00), used wherever an object has one. */
const DEFAULT_AMOUNT = 100_000;

/**
 * An Omise event of `key` as Omise delivers it today (API version 2019-05-29: `created_at`, an empty
 * `webhook_deliveries`, the fields in Omise's order), with a realistic `data` object for that key,
 * fresh ids on every call and `created_at` now. `overrides` are deep-merged over it: objects merge
 * field by field, anything else (arrays included) replaces, `undefined` removes.
 *
 * Fields derived from the event id, the object id, `amount` and `livemode` follow an override of
 * those (`location`, fees, `_test_` in ids), so `{ data: { id: 'chrg_test_1' } }` also moves
 * `data.location` to `/charges/chrg_test_1`.
 *
 * The result is a plain object typed `OmiseEventOf<K>`. Its `createdAt` (the Date intake adds) is a
 * non-enumerable getter: a handler called directly in a unit test gets the same shape as from the
 * dispatcher, while serializing, spreading and Jest's `toEqual` see only the wire fields.
 */
export function buildOmiseEvent<K extends OmiseEventKey>(key: K, overrides: OmiseEventOverrides<K> = {}): OmiseEventOf<K> {
  const livemode = typeof overrides.livemode === 'boolean' ? overrides.livemode : false;
  const id = typeof overrides.id === 'string' ? overrides.id : omiseId('evnt', livemode);
  const dataOverrides: Record<string, unknown> = isPlainObject(overrides.data) ? overrides.data : {};
  const now = omiseTime(new Date());
  const context: ObjectContext = {
    livemode,
    now,
    id: typeof dataOverrides.id === 'string' ? dataOverrides.id : omiseId(ID_PREFIX[key], livemode),
    amount: typeof dataOverrides.amount === 'number' ? dataOverrides.amount : DEFAULT_AMOUNT,
  };
  // The order of a delivered body: the `payload` Omise recorded in `webhook_deliveries` of
  // test/fixtures/omise/event/omise-php__…_evnt_test_no1t4tnemucod0e51mo-get.json.
  const defaults = {
    object: 'event',
    id,
    livemode,
    location: `/events/${id}`,
    webhook_deliveries: [],
    data: DATA[key](context),
    key,
    created_at: now,
  };
  const event = deepMerge(defaults, overrides);
  Object.defineProperty(event, 'createdAt', {
    get: () => new Date(String(event.created_at ?? event.created)),
    enumerable: false,
    configurable: true,
  });
  // The defaults are typed per key (DATA) and the overrides are a DeepPartial of the same type, so the
  // merge is an OmiseEventOf<K>; TypeScript cannot follow a recursive merge, hence the assertion.
  return event as OmiseEventOf<K>;
}

function deepMerge(base: Record<string, unknown>, overrides: object): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [field, value] of Object.entries(overrides)) {
    if (value === undefined) delete merged[field];
    else if (isPlainObject(value)) merged[field] = deepMerge(isPlainObject(merged[field]) ? merged[field] : {}, value);
    else merged[field] = value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
