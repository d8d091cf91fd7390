import type { OmiseEvent } from '../events/omise-event';

/**
 * The seam between intake and processing. Intake calls `dispatch` once, after the row is committed
 * and only for the delivery that stored it; what happens next (emit at once, queue, retry) is the
 * dispatcher's business.
 */
export interface EventDispatcher {
  dispatch(event: OmiseEvent): void;
}
export const EventDispatcher = Symbol('EventDispatcher');
