import type { INestApplicationContext } from '@nestjs/common';
import { WebhookAdmin, type WebhookEventStatus } from '..';

export interface WaitForOmiseEventsOptions {
  /** How long to wait for all of them before rejecting. Default 4000 ms, under jest's and vitest's 5 s per test. */
  timeoutMs?: number;
}

/** An attempt has ended: the listeners ran (or none listens), or they threw. */
const FINISHED: ReadonlySet<WebhookEventStatus> = new Set(['processed', 'ignored', 'failed', 'dead']);
const POLL_MS = 10;

/**
 * Resolves once this app's worker has finished an attempt for each of `ids` (processed, ignored,
 * failed or dead), so a test can look at what its listeners did; rejects after `timeoutMs` naming the
 * events still unfinished and their status.
 *
 * A stand-in with the final signature: it reads each event's status through `WebhookAdmin` until all
 * are finished. The worker's own notification replaces it.
 */
export async function waitForOmiseEvents(app: INestApplicationContext, ids: readonly string[], options: WaitForOmiseEventsOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 4000;
  const admin = app.get(WebhookAdmin);
  const deadline = Date.now() + timeoutMs;
  const wanted = [...new Set(ids)];
  let waiting = wanted;
  for (;;) {
    const statuses = await Promise.all(waiting.map(async (id) => ({ id, status: (await admin.find(id))?.status })));
    const unfinished = statuses.filter(({ status }) => status === undefined || !FINISHED.has(status));
    if (unfinished.length === 0) return;
    if (Date.now() >= deadline) {
      const list = unfinished.map(({ id, status }) => `${id} (${status ?? 'not stored'})`).join(', ');
      throw new Error(
        `waitForOmiseEvents: after ${timeoutMs} ms, ${unfinished.length} of ${wanted.length} events not finished by this app's worker: ${list}. ` +
          'Was each acknowledged with 200, and does this app run the worker (dispatch.enabled)?',
      );
    }
    waiting = unfinished.map(({ id }) => id);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
