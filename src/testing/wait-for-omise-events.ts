import type { INestApplicationContext } from '@nestjs/common';
import { WebhooksAdmin } from '../admin/webhooks-admin.service';
import { DispatchWorker } from '../dispatch/dispatch-worker';
import { refKey } from '../store/event-ref';
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
  /** By refKey: an id stored under several accounts is several events, each waited for. */
  const waiting = new Map<string, string>();
  const written = new Set<string>();
  let wake: () => void = () => undefined;
  // Listening before reading the table: an outcome written in between is heard, not missed.
  const stopListening = worker.outcomes.onWritten((batch, keys) => {
    for (const outcome of batch) {
      if (!keys.has(refKey(outcome))) continue;
      written.add(refKey(outcome));
      waiting.delete(refKey(outcome));
    }
    if (waiting.size === 0) wake();
  });
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const id of typeof ids === 'string' ? [ids] : ids) {
      const stored = (await admin.list({ q: id, limit: 100 })).filter((event) => event.eventId === id);
      if (stored.length === 0) throw new Error(`waitForOmiseEvents: no stored event ${id} (was its delivery refused?)`);
      for (const event of stored) {
        if (!ATTEMPT_ENDED.has(event.status) && !written.has(refKey(event))) waiting.set(refKey(event), id);
      }
    }
    if (waiting.size === 0) return;
    await new Promise<void>((resolve, reject) => {
      wake = resolve;
      timer = setTimeout(() => {
        void describe(admin, new Set(waiting.values())).then((still) => reject(new Error(`waitForOmiseEvents: after ${timeoutMs} ms, still waiting for ${still}`)), reject);
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
