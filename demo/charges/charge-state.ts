import { amountValue, currencyValue, textValue } from '../common/events/payload-values';
import type { OmiseCharge } from 'omise-nest-webhooks';
import type { ChargeEntity } from './charge.entity';

/** What one charge payload says about the charge; `undefined`: the payload does not say. */
export type ChargeState = Partial<
  Pick<ChargeEntity, 'status' | 'amount' | 'currency' | 'orderId' | 'failureCode' | 'failureMessage' | 'refundedAmount' | 'disputed'>
>;

/**
 * Reads a charge payload of any API version: `status` where the payload has it, else derived from the
 * flags the oldest payloads carry (`captured` for `paid`, `refunded` for `refunded_amount`).
 */
export function chargeStateOf(charge: OmiseCharge): ChargeState {
  return {
    status: chargeStatusOf(charge),
    amount: amountValue(charge.amount),
    currency: currencyValue(charge.currency),
    // Payloads older than metadata say nothing about the order; newer ones without `order_id` say "none".
    orderId: isObject(charge.metadata) ? (textValue(charge.metadata.order_id, 255) ?? null) : undefined,
    failureCode: textValue(charge.failure_code, 64),
    failureMessage: textValue(charge.failure_message, 1024),
    refundedAmount: amountValue(charge.refunded_amount ?? charge.refunded),
    // Only a present, non-null `dispute` says anything: null is also what payloads older than the
    // dispute say, and the flag is never lowered anyway.
    disputed: charge.dispute ? true : undefined,
  };
}

function chargeStatusOf(charge: OmiseCharge): string | undefined {
  const stated = textValue(charge.status, 32);
  if (stated) return stated.toLowerCase();
  if (charge.failure_code) return 'failed';
  if (charge.expired) return 'expired';
  if (charge.reversed) return 'reversed';
  const paid = charge.paid ?? charge.captured;
  if (paid) return 'successful';
  // Without any of the flags (a trimmed payload) the status is unknown, not pending.
  return paid === false || charge.authorized !== undefined ? 'pending' : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
