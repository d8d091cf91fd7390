import { amountValue, currencyValue, idValue, textValue } from '../common/events/payload-values';
import type { OmiseDispute, OmiseEventKey } from 'omise-nest-webhooks';
import type { DisputeEntity } from './dispute.entity';

export type DisputeEventKey = Extract<OmiseEventKey, `dispute.${string}`>;
export type DisputeState = Partial<Pick<DisputeEntity, 'status' | 'chargeId' | 'amount' | 'currency' | 'reasonCode'>>;

/**
 * What the key alone says, for a payload without `status`. Accepting a dispute concedes it, so
 * Omise closes it as `lost` (the recorded accept responses say so); a close without a status is
 * just `closed`.
 */
const STATUS_BY_KEY: Readonly<Record<DisputeEventKey, string | undefined>> = {
  'dispute.create': 'open',
  'dispute.update': undefined,
  'dispute.accept': 'lost',
  'dispute.close': 'closed',
};

export function disputeStateOf(key: DisputeEventKey, dispute: OmiseDispute): DisputeState {
  return {
    status: textValue(dispute.status, 16)?.toLowerCase() ?? STATUS_BY_KEY[key],
    chargeId: idValue(dispute.charge),
    amount: amountValue(dispute.amount),
    currency: currencyValue(dispute.currency),
    reasonCode: textValue(dispute.reason_code, 64),
  };
}
