import { amountValue, currencyValue, idValue, textValue } from '../common/events/payload-values';
import type { OmiseEventCatalogue, OmiseEventKey, OmiseTransfer } from 'omise-nest-webhooks';
import type { TransferEntity } from './transfer.entity';

export type TransferEventKey = Extract<OmiseEventKey, `transfer.${string}`>;
export type TransferStatus = 'pending' | 'sent' | 'paid' | 'failed' | 'deleted';
export type TransferState = Partial<Pick<TransferEntity, 'status' | 'amount' | 'currency' | 'recipientId' | 'failureCode' | 'failureMessage'>>;

/** What the key alone says, for a payload without the flags. `transfer.update` says nothing. */
const STATUS_BY_KEY: Readonly<Record<TransferEventKey, TransferStatus | undefined>> = {
  'transfer.create': 'pending',
  'transfer.update': undefined,
  'transfer.send': 'sent',
  'transfer.pay': 'paid',
  'transfer.fail': 'failed',
  'transfer.destroy': 'deleted',
};

/** Reads a transfer payload of any API version, or the stub of an old `transfer.destroy`. */
export function transferStateOf(key: TransferEventKey, transfer: OmiseEventCatalogue[TransferEventKey]): TransferState {
  // Every field may be missing (stub) or of another shape (old version): read them as unknown.
  const fields: { [P in keyof OmiseTransfer]?: unknown } = transfer;
  return {
    status: key === 'transfer.destroy' ? 'deleted' : (transferStatusOf(fields) ?? STATUS_BY_KEY[key]),
    amount: amountValue(fields.amount),
    currency: currencyValue(fields.currency),
    recipientId: idValue(fields.recipient),
    failureCode: textValue(fields.failure_code, 64),
    failureMessage: textValue(fields.failure_message, 1024),
  };
}

/**
 * Transfers have no `status` field: the state is the flags `deleted`, `failure_code`, `paid`, `sent`,
 * in that order of precedence (a paid transfer was also sent).
 */
function transferStatusOf(fields: { [P in keyof OmiseTransfer]?: unknown }): TransferStatus | undefined {
  if (fields.deleted === true) return 'deleted';
  if (fields.failure_code) return 'failed';
  if (fields.paid === true) return 'paid';
  if (fields.sent === true) return 'sent';
  return fields.sent === false ? 'pending' : undefined;
}
