import type { OmiseEvent } from './omise-event';

/*
 * What each Omise event key carries in `data`, written from Omise's documented fields and checked
 * against the payloads Omise's own SDKs record (../shared/fixtures/omise). These are compile-time
 * promises only: nothing validates `data` at runtime, so code that stores a field must still cope
 * with it being absent (see the `?` fields: they are missing from payloads of older API versions or
 * were added later) or null.
 *
 * Every object is serialized with the account's API version at the time of the event, so one
 * receiver sees both shapes: `created` (2017-11-02 and older) or `created_at` (2019-05-29), and
 * currencies in lower case (`thb`) or upper case (`THB`).
 */

/** An ISO-8601 time as Omise writes it: `2019-12-31T12:59:59Z`, older payloads with an offset (`+07:00`). */
export type OmiseTime = string;

/** Three-letter ISO 4217 code, lower case in old API versions (`thb`), upper case in new ones (`THB`). */
export type OmiseCurrency = string;

/** Free-form key/value data the merchant attached (`order_id`, …); values are whatever JSON was sent. */
export type OmiseMetadata = Record<string, unknown>;

/** The creation time under either API version's name. */
interface OmiseCreated {
  /** API version 2019-05-29 and newer. */
  created_at?: OmiseTime;
  /** API version 2017-11-02 and older. */
  created?: OmiseTime;
}

/** Fields every top-level Omise object has. */
interface OmiseResource<TObject extends string> extends OmiseCreated {
  object: TObject;
  id: string;
  livemode: boolean;
  /** API path of the object; null on some embedded objects (a charge's card). */
  location: string | null;
}

/** A page of objects, as embedded in another object (`charge.refunds`, `customer.cards`, …). */
export interface OmiseList<T> {
  object: 'list';
  data: T[];
  limit: number;
  offset: number;
  total: number;
  location?: string | null;
  /** Absent or null in old payloads. */
  order?: 'chronological' | 'reverse_chronological' | null;
  from: OmiseTime;
  to: OmiseTime;
}

/**
 * The stub some `*.destroy` events carry instead of the object (seen from 2015 on, in both API
 * versions): just enough to say which object is gone.
 */
export interface OmiseDeletedObject<TObject extends string> {
  object: TObject;
  id: string;
  livemode: boolean;
  deleted: true;
}

// ---------------------------------------------------------------------------------------------
// Charges and refunds

/** `status` of a charge (absent in payloads older than the field; derive it from the flags then). */
export type OmiseChargeStatus = 'pending' | 'successful' | 'failed' | 'expired' | 'reversed';

export interface OmiseCharge extends OmiseResource<'charge'> {
  amount: number;
  currency: OmiseCurrency;
  description: string | null;
  status?: OmiseChargeStatus;
  /** Whether the charge is captured at once (false: authorize only, capture later). */
  capture: boolean;
  authorized: boolean;
  /** Captured; named `captured` in the oldest payloads. */
  paid?: boolean;
  /** The oldest payloads' name for `paid`. */
  captured?: boolean;
  reversed?: boolean;
  expired?: boolean;
  voided?: boolean;
  capturable?: boolean;
  disputable?: boolean;
  refundable?: boolean;
  reversible?: boolean;
  partially_refundable?: boolean;
  can_perform_void?: boolean;
  multi_capture?: boolean;
  authorization_type?: 'pre_auth' | 'final_auth' | null;
  authorized_amount?: number;
  captured_amount?: number;
  /** Total refunded, in the smallest currency unit; named `refunded` in old payloads. */
  refunded_amount?: number;
  /** The old payloads' name for `refunded_amount`. */
  refunded?: number;
  refunds?: OmiseList<OmiseRefund>;
  transaction: string | null;
  failure_code: string | null;
  failure_message: string | null;
  merchant_advice?: string | null;
  merchant_advice_code?: string | null;
  card: OmiseCard | null;
  /** Customer id, or the customer itself when the charge was fetched with `expand`. */
  customer: string | OmiseCustomer | null;
  /** Dispute id or object once the charge is disputed (always null in the recorded payloads). */
  dispute?: string | OmiseDispute | null;
  source?: OmiseSource | null;
  schedule?: string | null;
  link?: string | null;
  linked_account?: string | null;
  ip: string | null;
  metadata?: OmiseMetadata;
  reference?: string;
  return_uri?: string | null;
  authorize_uri?: string | null;
  net?: number;
  fee?: number;
  fee_vat?: number;
  interest?: number;
  interest_vat?: number;
  funding_amount?: number;
  funding_currency?: OmiseCurrency;
  platform_fee?: { fixed: number | null; amount: number | null; percentage: number | null };
  /** Decimal strings: `"3.65"`. */
  transaction_fees?: { fee_flat: string; fee_rate: string; vat_rate: string };
  zero_interest_installments?: boolean;
  paid_at?: OmiseTime | null;
  authorized_at?: OmiseTime | null;
  expires_at?: OmiseTime;
  expired_at?: OmiseTime | null;
  reversed_at?: OmiseTime | null;
}

/** A payment source (internet banking, wallets, bills, …); only the fields common to all types. */
export interface OmiseSource extends OmiseCreated {
  object: 'source';
  id: string;
  livemode: boolean;
  location?: string;
  type: string;
  flow: string;
  amount: number;
  currency: OmiseCurrency;
  charge_status?: string;
}

export interface OmiseRefund extends OmiseCreated {
  object: 'refund';
  id: string;
  /** Missing from most recorded refunds. */
  livemode?: boolean;
  location: string;
  amount: number;
  currency: OmiseCurrency;
  /** Id of the refunded charge. */
  charge: string;
  transaction: string;
  status?: string;
  voided?: boolean;
  funding_amount?: number;
  funding_currency?: OmiseCurrency;
  acquirer_reference_number?: string | null;
  metadata?: OmiseMetadata;
}

// ---------------------------------------------------------------------------------------------
// Transfers and recipients

export interface OmiseBankAccount extends OmiseCreated {
  object: 'bank_account';
  brand: string;
  last_digits: string;
  name: string;
  livemode?: boolean;
  account_number?: string;
  bank_code?: string;
  branch_code?: string | null;
  type?: string | null;
}

/** A transfer has no `status`: its state is the flags `sent`, `paid`, `failure_code`, `deleted`. */
export interface OmiseTransfer extends OmiseResource<'transfer'> {
  amount: number;
  currency: OmiseCurrency;
  sent: boolean;
  paid: boolean;
  failure_code: string | null;
  failure_message: string | null;
  transaction: string | null;
  /** Recipient id; absent on some transfers to the merchant's default account. */
  recipient?: string;
  bank_account?: OmiseBankAccount;
  deleted?: boolean;
  fail_fast?: boolean;
  sendable?: boolean;
  fee?: number;
  fee_vat?: number;
  net?: number;
  total_fee?: number;
  metadata?: OmiseMetadata;
  schedule?: string | null;
  transactions?: unknown[];
  split_transfer_group_id?: string | null;
  sent_at?: OmiseTime | null;
  paid_at?: OmiseTime | null;
  balance_hold_at?: OmiseTime | null;
}

export interface OmiseRecipient extends OmiseResource<'recipient'> {
  name: string;
  email: string;
  description: string | null;
  type: 'individual' | 'corporation';
  tax_id: string | null;
  verified: boolean;
  active: boolean;
  bank_account: OmiseBankAccount;
  failure_code: string | null;
  default?: boolean;
  deleted?: boolean;
  schedule?: string | null;
  metadata?: OmiseMetadata;
  verified_at?: OmiseTime | null;
  activated_at?: OmiseTime | null;
}

// ---------------------------------------------------------------------------------------------
// Disputes

export type OmiseDisputeStatus = 'open' | 'pending' | 'won' | 'lost' | 'closed';

export interface OmiseDispute extends OmiseResource<'dispute'> {
  amount: number;
  currency: OmiseCurrency;
  status: OmiseDisputeStatus;
  message: string | null;
  /** Id of the disputed charge. */
  charge: string;
  reason_code?: string;
  reason_message?: string;
  admin_message?: string | null;
  funding_amount?: number;
  funding_currency?: OmiseCurrency;
  documents?: OmiseList<unknown>;
  transactions?: unknown[];
  metadata?: OmiseMetadata;
  closed_at?: OmiseTime | null;
}

// ---------------------------------------------------------------------------------------------
// Schedules

/** `active` is the pre-2019 name of `running`. */
export type OmiseScheduleStatus = 'running' | 'active' | 'suspended' | 'expiring' | 'expired' | 'deleted';

export interface OmiseScheduledCharge {
  object?: 'scheduled_charge';
  id?: string;
  amount: number;
  currency: OmiseCurrency;
  customer: string;
  card?: string;
  description?: string;
  default_card?: boolean;
  linked_account?: string | null;
  metadata?: OmiseMetadata;
}

export interface OmiseScheduledTransfer {
  recipient: string;
  amount: number | null;
  currency: OmiseCurrency;
  percentage_of_balance?: number | null;
  description?: string;
}

export interface OmiseOccurrence extends OmiseResource<'occurrence'> {
  schedule: string;
  /** Id of the charge or transfer the occurrence made. */
  result: string | null;
  status: string;
  message: string | null;
  scheduled_on: string;
  processed_at: OmiseTime | null;
  retry_on?: string | null;
}

export interface OmiseSchedule extends OmiseResource<'schedule'> {
  status: OmiseScheduleStatus;
  every: number;
  period: 'day' | 'week' | 'month';
  on: { weekdays?: string[]; days_of_month?: number[]; weekday_of_month?: string };
  in_words: string;
  /** Dates (`2018-01-04`): `start_date`/`end_date` in older payloads, `start_on`/`end_on` in newer ones. */
  start_date?: string;
  end_date?: string;
  start_on?: string;
  end_on?: string;
  /** What each occurrence makes: a charge or a transfer. */
  charge?: OmiseScheduledCharge;
  transfer?: OmiseScheduledTransfer;
  occurrences?: OmiseList<OmiseOccurrence>;
  next_occurrences?: string[];
  next_occurrences_on?: string[];
  deleted?: boolean;
  active?: boolean;
  state?: string;
  ended_at?: OmiseTime | null;
}

// ---------------------------------------------------------------------------------------------
// Customers, cards, links, linked accounts

export interface OmiseCard extends OmiseResource<'card'> {
  brand: string;
  last_digits: string;
  first_digits?: string | null;
  name: string;
  expiration_month: number;
  expiration_year: number;
  fingerprint: string;
  /** Two-letter code, or an empty string when unknown. */
  country: string;
  city: string | null;
  postal_code: string | null;
  financing: string;
  bank?: string;
  security_code_check: boolean;
  street1?: string | null;
  street2?: string | null;
  state?: string | null;
  phone_number?: string | null;
  tokenization_method?: string | null;
  deleted?: boolean;
}

export interface OmiseCustomer extends OmiseResource<'customer'> {
  email: string;
  description: string;
  default_card: string | null;
  cards: OmiseList<OmiseCard>;
  linked_accounts?: OmiseList<OmiseLinkedAccount>;
  metadata?: OmiseMetadata;
  deleted?: boolean;
}

export interface OmiseLink extends OmiseResource<'link'> {
  amount: number;
  currency: OmiseCurrency;
  title: string;
  description: string;
  used: boolean;
  multiple: boolean;
  payment_uri: string;
  charges: OmiseList<OmiseCharge>;
  used_at?: OmiseTime | null;
  deleted?: boolean;
  deleted_at?: OmiseTime | null;
}

/** A customer's bank account linked for direct debit (newer API only; no recorded payloads). */
export interface OmiseLinkedAccount extends OmiseResource<'linked_account'> {
  type: string;
  status: 'pending' | 'successful' | 'failed' | 'expired' | 'deleted';
  registration_uri: string | null;
  return_uri: string;
  last_digits: string | null;
  failure_code: string | null;
  failure_message: string | null;
  metadata: OmiseMetadata;
  registered_at: OmiseTime | null;
  expires_at: OmiseTime | null;
}

// ---------------------------------------------------------------------------------------------
// The catalogue

/** Event key → the object in `data`. Keys Omise does not list here still arrive and are stored. */
export interface OmiseEventCatalogue {
  'charge.create': OmiseCharge;
  'charge.update': OmiseCharge;
  'charge.capture': OmiseCharge;
  'charge.reverse': OmiseCharge;
  'charge.complete': OmiseCharge;
  'charge.expire': OmiseCharge;
  /** Named only by the project's seed notes, not by Omise's list of keys; typed like its siblings. */
  'charge.failed': OmiseCharge;
  'refund.create': OmiseRefund;
  'transfer.create': OmiseTransfer;
  'transfer.update': OmiseTransfer;
  'transfer.destroy': OmiseTransfer | OmiseDeletedObject<'transfer'>;
  'transfer.send': OmiseTransfer;
  'transfer.pay': OmiseTransfer;
  'transfer.fail': OmiseTransfer;
  'dispute.create': OmiseDispute;
  'dispute.update': OmiseDispute;
  'dispute.accept': OmiseDispute;
  'dispute.close': OmiseDispute;
  'schedule.create': OmiseSchedule;
  'schedule.suspend': OmiseSchedule;
  'schedule.expiring': OmiseSchedule;
  'schedule.expire': OmiseSchedule;
  'schedule.destroy': OmiseSchedule | OmiseDeletedObject<'schedule'>;
  'customer.create': OmiseCustomer;
  'customer.update': OmiseCustomer;
  'customer.destroy': OmiseCustomer | OmiseDeletedObject<'customer'>;
  /** A card of the customer changed; `data` is the customer, not the card. */
  'customer.update.card': OmiseCustomer;
  'card.update': OmiseCard;
  'card.destroy': OmiseCard | OmiseDeletedObject<'card'>;
  'recipient.create': OmiseRecipient;
  'recipient.update': OmiseRecipient;
  'recipient.destroy': OmiseRecipient | OmiseDeletedObject<'recipient'>;
  'recipient.activate': OmiseRecipient;
  'recipient.deactivate': OmiseRecipient;
  'recipient.verify': OmiseRecipient;
  'link.create': OmiseLink;
  'linked_account.create': OmiseLinkedAccount;
  'linked_account.complete': OmiseLinkedAccount;
}

export type OmiseEventKey = keyof OmiseEventCatalogue;

/**
 * The event a listener of `K` receives: `@OnOmiseEvent('charge.complete') on(event: OmiseEventOf<'charge.complete'>)`.
 * For several keys it is the union of their events, told apart by `event.key`.
 */
export type OmiseEventOf<K extends OmiseEventKey> = K extends OmiseEventKey ? OmiseEvent<K, OmiseEventCatalogue[K]> : never;

/**
 * The `data.object` each key carries, at runtime. Typed against the catalogue in both directions: a
 * key missing here, an extra key, or a wrong object name does not compile.
 */
export const OMISE_EVENT_OBJECTS: { readonly [K in OmiseEventKey]: OmiseEventCatalogue[K]['object'] } = {
  'charge.create': 'charge',
  'charge.update': 'charge',
  'charge.capture': 'charge',
  'charge.reverse': 'charge',
  'charge.complete': 'charge',
  'charge.expire': 'charge',
  'charge.failed': 'charge',
  'refund.create': 'refund',
  'transfer.create': 'transfer',
  'transfer.update': 'transfer',
  'transfer.destroy': 'transfer',
  'transfer.send': 'transfer',
  'transfer.pay': 'transfer',
  'transfer.fail': 'transfer',
  'dispute.create': 'dispute',
  'dispute.update': 'dispute',
  'dispute.accept': 'dispute',
  'dispute.close': 'dispute',
  'schedule.create': 'schedule',
  'schedule.suspend': 'schedule',
  'schedule.expiring': 'schedule',
  'schedule.expire': 'schedule',
  'schedule.destroy': 'schedule',
  'customer.create': 'customer',
  'customer.update': 'customer',
  'customer.destroy': 'customer',
  'customer.update.card': 'customer',
  'card.update': 'card',
  'card.destroy': 'card',
  'recipient.create': 'recipient',
  'recipient.update': 'recipient',
  'recipient.destroy': 'recipient',
  'recipient.activate': 'recipient',
  'recipient.deactivate': 'recipient',
  'recipient.verify': 'recipient',
  'link.create': 'link',
  'linked_account.create': 'linked_account',
  'linked_account.complete': 'linked_account',
};

/** Every key of the catalogue, at runtime. */
export const OMISE_EVENT_KEYS = Object.freeze(Object.keys(OMISE_EVENT_OBJECTS) as OmiseEventKey[]);

/** Whether `key` is one the catalogue types (other keys are valid events too, just not typed). */
export function isOmiseEventKey(key: string): key is OmiseEventKey {
  return Object.prototype.hasOwnProperty.call(OMISE_EVENT_OBJECTS, key);
}
