import { Logger } from '@nestjs/common';
import { Masker } from '../masking/masker';
import type { ClaimedEvent, DispatchStore } from '../store/dispatch-store';
import type { WebhooksTelemetry } from '../telemetry/telemetry';
import type { WebhooksConfig } from '../webhooks.config';
import { type Claim, EventClaimer } from './event-claimer';

const DISPATCH = { concurrency: 2, leaseMs: 60_000, sweepIntervalMs: 60_000 } as WebhooksConfig['dispatch'];

/** A store that hands out `rows` once, then nothing. */
function storeOf(rows: ClaimedEvent[]): DispatchStore {
  let left = rows;
  return {
    claim: () => {
      const claimed = left;
      left = [];
      return Promise.resolve(claimed);
    },
    succeededHandlers: () => Promise.resolve(new Map<string, Set<string>>()),
  } as unknown as DispatchStore;
}

const telemetry = { claimed: () => undefined } as unknown as WebhooksTelemetry;

async function untilIdle(claimer: EventClaimer): Promise<void> {
  while (claimer.busy) await claimer.progress();
}

describe('EventClaimer', () => {
  let claimer: EventClaimer | undefined;
  afterEach(() => claimer?.stop());

  it('keeps a fault in handling from becoming an unhandled rejection: logged masked, the slot freed', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const handled: string[] = [];
      claimer = new EventClaimer(
        'worker-1',
        DISPATCH,
        new Masker(),
        storeOf([
          { eventId: 'evnt_test_a', account: 'default', bodyText: '{}', attempts: 1, traceParent: null },
          { eventId: 'evnt_test_b', account: 'default', bodyText: '{}', attempts: 1, traceParent: null },
        ]),
        telemetry,
        {
          handle: ({ row }: Claim) => {
            handled.push(row.eventId);
            return row.eventId === 'evnt_test_a' ? Promise.reject(new Error('card 4111111111111111 broke it')) : Promise.resolve();
          },
          outcomesWriting: () => false,
        },
      );
      claimer.start(false);
      await untilIdle(claimer);
      // Rejections are reported after the microtask queue drains: give them that turn.
      await new Promise((resolve) => setImmediate(resolve));

      expect(handled.sort()).toEqual(['evnt_test_a', 'evnt_test_b']);
      expect(unhandled).toEqual([]);
      const lines = logged.mock.calls.map(([message]) => String(message));
      expect(lines).toContainEqual(expect.stringContaining('handling evnt_test_a failed'));
      expect(lines.join('\n')).not.toContain('4111111111111111');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      logged.mockRestore();
    }
  });
});
