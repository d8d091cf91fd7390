/** Why a body is not an Omise event: not UTF-8 JSON at all, or JSON that is not an event envelope. */
export type OmiseEventProblem = 'invalid_json' | 'invalid_event';

/**
 * Thrown by `parseOmiseEvent` for a body that is not an Omise event. The endpoint answers it with
 * 400 and its `details`; reconciliation counts the event as refused.
 */
export class OmiseEventError extends Error {
  constructor(
    readonly problem: OmiseEventProblem,
    message: string,
    /** Each field that is wrong, and how. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'OmiseEventError';
  }
}
