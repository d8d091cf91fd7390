import type { OmiseEvent } from './omise-event';

/** The account of the endpoint at the module's `path` itself (the top-level `secrets`). */
export const DEFAULT_ACCOUNT = 'default';

/**
 * Whether an event is of Omise's test mode or its live mode. Test when `livemode` is false or an id
 * says `_test_` (the event's, `evnt_test_…`, or its object's, `chrg_test_…`): a disagreement never
 * makes an event live (one real payload has `evnt_test_…` with `livemode: true`).
 */
export function modeOf(event: Pick<OmiseEvent, 'id' | 'livemode' | 'data'>): 'live' | 'test' {
  const objectId = (event.data as { id?: unknown } | null | undefined)?.id;
  const saysTest = event.id.includes('_test_') || (typeof objectId === 'string' && objectId.includes('_test_'));
  return event.livemode === true && !saysTest ? 'live' : 'test';
}
