import { DEFAULT_RETRY_POLICY } from '../webhooks.config';
import { retryDelayMs } from './retry-schedule';

describe('retryDelayMs', () => {
  it('doubles from the base delay, with half of it jittered', () => {
    expect(retryDelayMs(1, DEFAULT_RETRY_POLICY, 0)).toBe(2_500);
    expect(retryDelayMs(1, DEFAULT_RETRY_POLICY, 0.999999)).toBe(5_000);
    expect(retryDelayMs(2, DEFAULT_RETRY_POLICY, 0)).toBe(5_000);
    expect(retryDelayMs(4, DEFAULT_RETRY_POLICY, 0.5)).toBe(30_000);
  });

  it('never waits more than the cap', () => {
    for (const attempts of [12, 30, 10_000]) {
      expect(retryDelayMs(attempts, DEFAULT_RETRY_POLICY, 0.999999)).toBeLessThanOrEqual(3_600_000);
      expect(retryDelayMs(attempts, DEFAULT_RETRY_POLICY, 0)).toBe(1_800_000);
    }
  });
});
