import type { RetryPolicy } from '../webhooks.options';

/**
 * When to try a failed event again: capped exponential back-off with "equal jitter" (half the delay
 * fixed, half random), so a burst of failures does not come back as a burst. Delay before attempt `failedAttempts + 1`. `random` is in [0, 1). */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random: number = Math.random()): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + (capped / 2) * random);
}
