import { randomBytes } from 'node:crypto';
import { omiseTime } from '../wire/omise-events-api';
import type {
  OmiseBankAccount,
  OmiseCard,
  OmiseCharge,
  OmiseChargeStatus,
  OmiseCustomer,
  OmiseDispute,
  OmiseDisputeStatus,
  OmiseLink,
  OmiseLinkedAccount,
  OmiseList,
  OmiseRecipient,
  OmiseRefund,
  OmiseSchedule,
  OmiseScheduleStatus,
  OmiseTime,
  OmiseTransfer,
} from '..';

/*
 * Realistic objects for the `data` of test events, one builder per object kind. The fields, their
 * order and their values follow what Omise sends today (API version 2019-05-29: `created_at`,
 * upper-case currencies), as recorded in Omise's own SDK fixtures (../shared/fixtures/omise, the
 * omise-php files of 2025 mostly); each builder returns the catalogue type, so a field the catalogue
 * requires cannot be forgotten and a wrong type does not compile. Linked accounts have no recorded
 * payload: that builder follows the catalogue type alone.
 */

/** What every builder needs to know about the event it is building for. */
export interface ObjectContext {
  readonly livemode: boolean;
  /** "Now" as Omise writes times: UTC, whole seconds, `Z`. */
  readonly now: OmiseTime;
  /** Id of the object being built (overridden or fresh), so `location` and nested paths agree with it. */
  readonly id: string;
  /** Amount in the smallest currency unit; fees, net and funding amounts are derived from it. */
  readonly amount: number;
}

const CURRENCY = 'THB';
/** Omise lists embedded in objects start at the epoch. */
const EPOCH = '1970-01-01T00:00:00Z';

/** A fresh id as Omise makes them: `chrg_test_` + 19 lower-case letters and digits (no `_test_` in live mode). */
export function omiseId(prefix: string, livemode = false): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  // 19 characters from 19 random bytes; the slight modulo bias is of no consequence for test ids.
  const suffix = Array.from(randomBytes(19), (byte) => alphabet[byte % alphabet.length]).join('');
  return `${prefix}_${livemode ? '' : 'test_'}${suffix}`;
}

/** A time as Omise writes it, `2025-03-20T09:24:15Z`: the one the Events API client writes. */
export { omiseTime };

/** `now` moved by whole days, for expiry and schedule dates. */
function daysFrom(now: OmiseTime, days: number): Date {
  return new Date(Date.parse(now) + days * 86_400_000);
}

function list<T>(location: string, data: T[], now: OmiseTime): OmiseList<T> {
  return { object: 'list', data, limit: 20, offset: 0, total: data.length, location, order: 'chronological', from: EPOCH, to: now };
}

/** Omise's card fee (3.65 %) and VAT on it (7 %), as the recorded charges compute them. */
function fees(amount: number): { fee: number; fee_vat: number; net: number } {
  const fee = Math.round(amount * 0.0365);
  const feeVat = Math.round(fee * 0.07);
  return { fee, fee_vat: feeVat, net: amount - fee - feeVat };
}

// ---------------------------------------------------------------------------------------------
// Cards and customers

/** A test Visa card; `customerId` null for a card charged from a token, as in a delivered charge. */
export function card(c: Pick<ObjectContext, 'livemode' | 'now'>, id: string, customerId: string | null): OmiseCard {
  return {
    object: 'card',
    id,
    livemode: c.livemode,
    location: customerId ? `/customers/${customerId}/cards/${id}` : null,
    deleted: false,
    street1: null,
    street2: null,
    city: 'Bangkok',
    state: null,
    phone_number: null,
    postal_code: '10320',
    country: 'th',
    financing: 'credit',
    bank: 'JPMORGAN CHASE BANK N.A.',
    brand: 'Visa',
    fingerprint: randomBytes(32).toString('base64'),
    first_digits: null,
    last_digits: '4242',
    name: 'Somchai Prasert',
    expiration_month: 12,
    expiration_year: daysFrom(c.now, 3 * 365).getUTCFullYear(),
    security_code_check: true,
    tokenization_method: null,
    created_at: c.now,
  };
}

export function customer(c: ObjectContext, deleted = false): OmiseCustomer {
  const cards = deleted ? [] : [card(c, omiseId('card', c.livemode), c.id)];
  return {
    object: 'customer',
    id: c.id,
    livemode: c.livemode,
    location: `/customers/${c.id}`,
    deleted,
    metadata: {},
    cards: list(`/customers/${c.id}/cards`, cards, c.now),
    default_card: cards[0]?.id ?? null,
    linked_accounts: list(`/customers/${c.id}/linked_accounts`, [], c.now),
    description: 'Somchai Prasert',
    email: 'somchai.prasert@example.com',
    created_at: c.now,
  };
}

// ---------------------------------------------------------------------------------------------
// Charges and refunds

/** A card charge in one of its states; the flags follow the status as Omise sets them. */
export function charge(c: ObjectContext, status: OmiseChargeStatus, manualCapture = false): OmiseCharge {
  const authorized = status === 'successful' || status === 'reversed' || (status === 'pending' && manualCapture);
  const paid = status === 'successful';
  // A charge waiting for 3-D Secure (or any offsite step) carries the page the payer is sent to.
  const offsite = status === 'pending' && !manualCapture;
  const { fee, fee_vat, net } = fees(c.amount);
  return {
    object: 'charge',
    id: c.id,
    location: `/charges/${c.id}`,
    amount: c.amount,
    authorization_type: null,
    authorized_amount: authorized ? c.amount : 0,
    captured_amount: paid ? c.amount : 0,
    net,
    fee,
    fee_vat,
    interest: 0,
    interest_vat: 0,
    funding_amount: c.amount,
    refunded_amount: 0,
    transaction_fees: { fee_flat: '0.0', fee_rate: '3.65', vat_rate: '7.0' },
    platform_fee: { fixed: null, amount: null, percentage: null },
    currency: CURRENCY,
    funding_currency: CURRENCY,
    ip: '203.0.113.1',
    refunds: list(`/charges/${c.id}/refunds`, [], c.now),
    link: null,
    description: 'Order-123',
    metadata: {},
    card: card(c, omiseId('card', c.livemode), null),
    source: null,
    schedule: null,
    linked_account: null,
    customer: null,
    dispute: null,
    transaction: paid ? omiseId('trxn', c.livemode) : null,
    failure_code: status === 'failed' ? 'insufficient_fund' : null,
    failure_message: status === 'failed' ? 'insufficient funds in the account or the card has reached the credit limit' : null,
    merchant_advice: null,
    merchant_advice_code: null,
    status,
    authorize_uri: offsite ? `https://api.omise.co/payments/${omiseId('paym', c.livemode)}/authorize` : null,
    return_uri: offsite ? 'https://www.example.com/orders/54321/complete' : null,
    created_at: c.now,
    paid_at: paid ? c.now : null,
    authorized_at: authorized ? c.now : null,
    expires_at: omiseTime(daysFrom(c.now, 7)),
    expired_at: status === 'expired' ? c.now : null,
    reversed_at: status === 'reversed' ? c.now : null,
    multi_capture: false,
    zero_interest_installments: false,
    authorized,
    capturable: status === 'pending' && manualCapture,
    capture: !manualCapture,
    disputable: paid,
    livemode: c.livemode,
    refundable: paid,
    partially_refundable: paid,
    reversed: status === 'reversed',
    reversible: status === 'pending' && manualCapture,
    voided: false,
    paid,
    expired: status === 'expired',
    can_perform_void: false,
  };
}

/** A full refund of a charge (the charge id is fresh; override `data.charge` to tie it to yours). */
export function refund(c: ObjectContext): OmiseRefund {
  const chargeId = omiseId('chrg', c.livemode);
  return {
    object: 'refund',
    id: c.id,
    location: `/charges/${chargeId}/refunds/${c.id}`,
    livemode: c.livemode,
    voided: false,
    currency: CURRENCY,
    amount: c.amount,
    metadata: {},
    charge: chargeId,
    transaction: omiseId('trxn', c.livemode),
    status: 'closed',
    funding_amount: c.amount,
    funding_currency: CURRENCY,
    created_at: c.now,
    acquirer_reference_number: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Transfers and recipients

function bankAccount(c: ObjectContext): OmiseBankAccount {
  return {
    object: 'bank_account',
    livemode: c.livemode,
    last_digits: '7890',
    account_number: '1234567890',
    name: 'Somchai Prasert',
    type: null,
    created_at: c.now,
    brand: 'Siam Commercial Bank',
    bank_code: 'scb',
    branch_code: null,
  };
}

export type TransferState = 'created' | 'sent' | 'paid' | 'failed' | 'deleted';

/** A transfer has no status field: its state is the flags `sent`, `paid`, `failure_code`, `deleted`. */
export function transfer(c: ObjectContext, state: TransferState): OmiseTransfer {
  const sent = state === 'sent' || state === 'paid' || state === 'failed';
  const paid = state === 'paid';
  const { fee, fee_vat } = fees(c.amount);
  return {
    object: 'transfer',
    id: c.id,
    livemode: c.livemode,
    location: `/transfers/${c.id}`,
    deleted: state === 'deleted',
    fail_fast: false,
    paid,
    sent,
    sendable: state === 'created',
    currency: CURRENCY,
    amount: c.amount,
    fee,
    metadata: {},
    recipient: omiseId('recp', c.livemode),
    bank_account: bankAccount(c),
    // No recorded failed transfer; the code is one Omise uses for a balance too low to pay out.
    failure_code: state === 'failed' ? 'insufficient_balance' : null,
    failure_message: state === 'failed' ? 'insufficient balance' : null,
    paid_at: paid ? c.now : null,
    sent_at: sent ? c.now : null,
    balance_hold_at: null,
    created_at: c.now,
    transactions: [],
    schedule: null,
    fee_vat,
    net: c.amount - fee - fee_vat,
    total_fee: fee + fee_vat,
    transaction: paid ? omiseId('trxn', c.livemode) : null,
    split_transfer_group_id: null,
  };
}

export type RecipientState = 'created' | 'verified' | 'active' | 'inactive' | 'deleted';

export function recipient(c: ObjectContext, state: RecipientState): OmiseRecipient {
  const verified = state === 'verified' || state === 'active' || state === 'inactive';
  return {
    object: 'recipient',
    id: c.id,
    livemode: c.livemode,
    location: `/recipients/${c.id}`,
    deleted: state === 'deleted',
    bank_account: bankAccount(c),
    active: state === 'active',
    default: false,
    verified,
    description: "Somchai Prasert's account",
    email: 'somchai.prasert@example.com',
    failure_code: null,
    name: 'Somchai Prasert',
    tax_id: '',
    type: 'individual',
    created_at: c.now,
    schedule: null,
    metadata: {},
    verified_at: verified ? c.now : null,
    activated_at: state === 'active' || state === 'inactive' ? c.now : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Disputes and schedules

export function dispute(c: ObjectContext, status: OmiseDisputeStatus): OmiseDispute {
  const closed = status === 'won' || status === 'lost' || status === 'closed';
  const transactionId = omiseId('trxn', c.livemode);
  return {
    object: 'dispute',
    id: c.id,
    livemode: c.livemode,
    location: `/disputes/${c.id}`,
    currency: CURRENCY,
    amount: c.amount,
    funding_amount: c.amount,
    funding_currency: CURRENCY,
    metadata: {},
    charge: omiseId('chrg', c.livemode),
    documents: list(`/disputes/${c.id}/documents`, [], c.now),
    transactions: [
      {
        object: 'transaction',
        id: transactionId,
        livemode: c.livemode,
        currency: CURRENCY,
        amount: c.amount,
        location: `/transactions/${transactionId}`,
        direction: 'debit',
        key: 'dispute.started.debit',
        origin: c.id,
        transferable_at: c.now,
        created_at: c.now,
      },
    ],
    admin_message: null,
    message: status === 'lost' ? 'Merchant accepts the dispute' : null,
    reason_code: 'goods_or_services_not_provided',
    reason_message: 'Merchandise/Services Not Received',
    status,
    closed_at: closed ? c.now : null,
    created_at: c.now,
  };
}

/** A charge every 2 days, as in the recorded schedule; its next dates are counted from now. */
export function schedule(c: ObjectContext, status: OmiseScheduleStatus): OmiseSchedule {
  const ended = status === 'expired' || status === 'deleted';
  const day = (offset: number) => omiseTime(daysFrom(c.now, offset)).slice(0, 10);
  return {
    object: 'schedule',
    id: c.id,
    deleted: status === 'deleted',
    livemode: c.livemode,
    location: `/schedules/${c.id}`,
    every: 2,
    occurrences: list(`/schedules/${c.id}/occurrences`, [], c.now),
    on: {},
    in_words: 'Every 2 day(s)',
    period: 'day',
    status,
    active: status === 'running' || status === 'expiring',
    charge: {
      object: 'scheduled_charge',
      id: omiseId('rchg', c.livemode),
      currency: CURRENCY,
      amount: c.amount,
      default_card: false,
      card: omiseId('card', c.livemode),
      customer: omiseId('cust', c.livemode),
      linked_account: null,
      description: 'Membership fee',
      metadata: {},
    },
    next_occurrences_on: ended ? [] : [2, 4, 6].map(day),
    ended_at: ended ? c.now : null,
    start_on: day(0),
    end_on: day(status === 'expiring' || ended ? 2 : 60),
    created_at: c.now,
  };
}

// ---------------------------------------------------------------------------------------------
// Links and linked accounts

export function link(c: ObjectContext): OmiseLink {
  return {
    object: 'link',
    id: c.id,
    livemode: c.livemode,
    location: `/links/${c.id}`,
    deleted: false,
    multiple: false,
    used: false,
    currency: CURRENCY,
    amount: c.amount,
    charges: list(`/links/${c.id}/charges`, [], c.now),
    description: 'New Product',
    title: 'Order-384',
    payment_uri: `https://link.omise.co/${c.id.split('_').pop()?.toUpperCase() ?? ''}`,
    created_at: c.now,
    used_at: null,
    deleted_at: null,
  };
}

/** No recorded payload exists: written from the catalogue type; `type` is illustrative. */
export function linkedAccount(c: ObjectContext, status: OmiseLinkedAccount['status']): OmiseLinkedAccount {
  const done = status === 'successful';
  return {
    object: 'linked_account',
    id: c.id,
    livemode: c.livemode,
    location: `/linked_accounts/${c.id}`,
    type: 'direct_debit_kbank',
    status,
    registration_uri: done ? null : `https://pay.omise.co/linked_accounts/${c.id}/register`,
    return_uri: 'https://www.example.com/linked-accounts/complete',
    last_digits: done ? '7890' : null,
    failure_code: null,
    failure_message: null,
    metadata: {},
    registered_at: done ? c.now : null,
    expires_at: done ? null : omiseTime(daysFrom(c.now, 1)),
    created_at: c.now,
  };
}
