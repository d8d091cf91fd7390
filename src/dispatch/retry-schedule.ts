/**
 * When to try a failed event again: capped exponential back-off with "equal jitter" (half the delay
 * fixed, half random), so a burst of failures does not come back as a burst.
 *
 * Defaults: 10 attempts, 5 s doubling to a 1 h cap: 5 s, 10 s, 20 s … 42 min, about 1.4 h from the
 * first failure to `dead`. Long enough to ride out a deploy or a downstream outage, short enough that
 * a real bug reaches a person (dead letter + replay) the same day. Omise's own redeliveries do not
 * reset it: a redelivery of a stored event is a duplicate.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 5_000, maxDelayMs: 3_600_000 };

/** Delay before attempt `failedAttempts + 1`. `random` is in [0, 1). */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random: number = Math.random()): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + (capped / 2) * random);
}
