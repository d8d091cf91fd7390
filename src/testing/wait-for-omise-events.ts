import type { INestApplicationContext } from '@nestjs/common';
import { WebhooksAdmin } from '../admin/webhooks-admin.service';
import { DispatchWorker } from '../dispatch/dispatch-worker';
import type { WebhookEventStatus } from '../store/webhook-event.entity';

export interface WaitForOmiseEventsOptions {
  /** How long to wait before failing with what each event is still doing. Default 10000. */
  timeoutMs?: number;
}

/** Where an attempt ends: the worker is done with the event until a retry or a replay. */
const ATTEMPT_ENDED: ReadonlySet<WebhookEventStatus> = new Set(['processed', 'ignored', 'failed', 'dead']);

/**
 * Resolves once this app's worker has finished an attempt for each of the events (its listeners ran,
 * and the outcome is written: `processed`, `ignored`, `failed` with a retry scheduled, or `dead`),
 * so a test can check what the listeners did right after the 200:
 *
 *     await postOmiseEvent(app, event).expect(200);
 *     await waitForOmiseEvents(app, event.id);
 *
 * An event already finished resolves at once. Rejects at once for an id that is not stored (a
 * delivery that was refused), and after `timeoutMs` with the status of each event still waited for.
 * Needs the worker in this app (`dispatch.enabled`, the default).
 */
export async function waitForOmiseEvents(
  app: INestApplicationContext,
  ids: string | readonly string[],
  options: WaitForOmiseEventsOptions = {},
): Promise<void> {
  const worker = app.get(DispatchWorker, { strict: false });
  const admin = app.get(WebhooksAdmin, { strict: false });
  if (!worker.enabled) {
    throw new Error('waitForOmiseEvents: this app does not dispatch (WebhooksModule dispatch.enabled is false, or the app is closed).');
  }
  const waiting = new Set(typeof ids === 'string' ? [ids] : ids);
  let wake: () => void = () => undefined;
  // Listening before reading the table: an outcome written in between is heard, not missed.
  const stopListening = worker.outcomes.onWritten((_batch, written) => {
    for (const id of written) waiting.delete(id);
    if (waiting.size === 0) wake();
  });
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const id of [...waiting]) {
      const stored = await admin.find(id);
      if (!stored) throw new Error(`waitForOmiseEvents: no stored event ${id} (was its delivery refused?)`);
      if (ATTEMPT_ENDED.has(stored.status)) waiting.delete(id);
    }
    if (waiting.size === 0) return;
    await new Promise<void>((resolve, reject) => {
      wake = resolve;
      timer = setTimeout(() => {
        void describe(admin, waiting).then((still) => reject(new Error(`waitForOmiseEvents: after ${timeoutMs} ms, still waiting for ${still}`)), reject);
      }, timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    stopListening();
  }
}

async function describe(admin: WebhooksAdmin, ids: ReadonlySet<string>): Promise<string> {
  const states = await Promise.all([...ids].map(async (id) => `${id} (${(await admin.find(id))?.status ?? 'gone'})`));
  return states.join(', ');
}
