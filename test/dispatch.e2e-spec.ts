import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { WebhookEventEntity, WebhooksAdmin, type OmiseEvent } from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent, serializeOmiseEvent } from 'omise-nest-webhooks/testing';
import { testDatabases } from './support/test-databases';
import { SECRET, useWebhooksTestApp, type WebhooksTestApp } from './support/webhooks-test-app';

/** Throws on its first two calls per event, then succeeds: a payment service that is briefly down. */
@Injectable()
class FlakyCapture {
  readonly calls = new Map<string, number>();
  @OnEvent('charge.complete')
  capture(event: OmiseEvent): void {
    const n = (this.calls.get(event.id) ?? 0) + 1;
    this.calls.set(event.id, n);
    if (n <= 2) throw new Error('payment service unavailable');
  }
}

/** Always succeeds; counts its calls. Listens to the same keys as the failing handlers. */
@Injectable()
class StockDecrement {
  readonly calls: string[] = [];
  @OnEvent('charge.complete')
  @OnEvent('transfer.pay')
  decrement(event: OmiseEvent): void {
    this.calls.push(event.id);
  }
}

/** Rejects until `fixed` is set: a bug fixed by a deploy. */
@Injectable()
class PayoutMailer {
  fixed = false;
  @OnEvent('transfer.pay')
  async send(): Promise<void> {
    await Promise.resolve();
    if (!this.fixed) throw new Error('template missing');
  }
}

/** Never finishes until released: a handler caught mid-way by a shutdown. */
@Injectable()
class StuckHandler {
  release?: () => void;
  @OnEvent('schedule.suspend')
  async hang(): Promise<void> {
    await new Promise<void>((resolve) => (this.release = resolve));
  }
}

interface EventRow {
  status: string;
  attempts: number;
}

async function eventRow(dataSource: DataSource, id: string): Promise<EventRow> {
  const rows: EventRow[] = await dataSource.query(`SELECT status, attempts FROM omise_webhook_events WHERE event_id = '${id}'`);
  return { status: rows[0].status, attempts: Number(rows[0].attempts) };
}

/** Waits, with a deadline, until the event reaches one of the statuses (retries are scheduled in time). */
async function settled(t: WebhooksTestApp, id: string, statuses: string[]): Promise<EventRow> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await t.worker.idle();
    const row = await eventRow(t.dataSource, id);
    if (statuses.includes(row.status)) return row;
    if (Date.now() > deadline) throw new Error(`${id} stayed ${row.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10)); // the next due retry is milliseconds away
    t.worker.wake();
  }
}

describe.each(testDatabases())('dispatch on $name', (kind) => {
  const t = useWebhooksTestApp(kind, {
    providers: [FlakyCapture, StockDecrement, PayoutMailer, StuckHandler],
    // Fast retries for the test; the back-off shape itself is unit-tested.
    dispatch: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 }, sweepIntervalMs: 50, shutdownTimeoutMs: 200 },
  });

  async function deliver(event: { readonly id: string }): Promise<string> {
    await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    return event.id;
  }

  const handlerRuns = (id: string): Promise<Array<{ handler: string; status: string; attempts: number }>> =>
    t.dataSource
      .query(`SELECT handler, status, attempts FROM omise_webhook_handler_runs WHERE event_id = '${id}' ORDER BY handler`)
      .then((rows: Array<{ handler: string; status: string; attempts: number | string }>) =>
        rows.map((r) => ({ ...r, attempts: Number(r.attempts) })),
      );

  it('retries only the failed handler: processed after 3 attempts, the other handler ran once', async () => {
    const id = await deliver(buildOmiseEvent('charge.complete'));
    await expect(settled(t, id, ['processed', 'dead'])).resolves.toEqual({ status: 'processed', attempts: 3 });
    expect(t.app.get(FlakyCapture).calls.get(id)).toBe(3);
    expect(t.app.get(StockDecrement).calls.filter((c) => c === id)).toHaveLength(1);
    await expect(handlerRuns(id)).resolves.toEqual([
      { handler: 'FlakyCapture.capture', status: 'succeeded', attempts: 3 },
      { handler: 'StockDecrement.decrement', status: 'succeeded', attempts: 1 },
    ]);
  });

  it('dead-letters an always-failing handler, and replay after the fix processes it without re-running the others', async () => {
    const event = buildOmiseEvent('transfer.pay');
    const id = await deliver(event);
    await expect(settled(t, id, ['dead'])).resolves.toEqual({ status: 'dead', attempts: 3 });
    // A redelivery of a dead event is acknowledged (deliver expects 200) and leaves it dead.
    await deliver(event);
    await expect(eventRow(t.dataSource, id)).resolves.toMatchObject({ status: 'dead' });

    t.app.get(PayoutMailer).fixed = true;
    await expect(t.app.get(WebhooksAdmin).replay({ eventId: id })).resolves.toBe(1);
    await expect(settled(t, id, ['processed'])).resolves.toMatchObject({ status: 'processed' });
    expect(t.app.get(StockDecrement).calls.filter((c) => c === id)).toHaveLength(1);
  });

  it('replays a processed event only when forced, and then runs every handler again', async () => {
    const id = await deliver(buildOmiseEvent('transfer.pay'));
    await expect(settled(t, id, ['processed'])).resolves.toMatchObject({ status: 'processed' });
    const admin = t.app.get(WebhooksAdmin);
    await expect(admin.replay({ eventId: id })).resolves.toBe(0);
    await expect(admin.replay({ eventId: id }, { force: true })).resolves.toBe(1);
    await expect(settled(t, id, ['processed'])).resolves.toMatchObject({ status: 'processed' });
    expect(t.app.get(StockDecrement).calls.filter((c) => c === id)).toHaveLength(2);
  });

  it('marks an event nobody listens to as ignored, stored and visible', async () => {
    const id = await deliver(buildOmiseEvent('linked_account.complete'));
    await expect(settled(t, id, ['ignored'])).resolves.toMatchObject({ status: 'ignored' });
  });

  /** A row as an older version of the module (or a hand edit) left it, due now. */
  async function storedAsIs(id: string, body: string, fields: { status?: string; attempts?: number; lockedUntil?: Date } = {}): Promise<void> {
    const now = new Date();
    await t.dataSource.getRepository(WebhookEventEntity).insert({
      eventId: id,
      account: 'default',
      key: 'charge.complete',
      livemode: false,
      bodyText: body,
      receivedAt: now,
      deliveryId: randomUUID(),
      status: (fields.status ?? 'pending') as WebhookEventEntity['status'],
      attempts: fields.attempts ?? 0,
      nextAttemptAt: now,
      lockedUntil: fields.lockedUntil ?? null,
      lockedBy: fields.lockedUntil ? 'a-worker-that-died' : null,
    });
    t.worker.wake();
  }

  it('ends dead at its first claim, with why, a stored event it cannot route (accepted before the envelope check held)', async () => {
    const id = 'evnt_test_stored_before_the_check';
    await storedAsIs(id, `{"__proto__":{},"object":"event","id":"${id}","livemode":"yes","key":{"$gt":1},"data":"not an object"}`);
    await expect(settled(t, id, ['dead'])).resolves.toEqual({ status: 'dead', attempts: 1 });
    const [row] = await t.dataSource.query<Array<{ last_error: string }>>(`SELECT last_error FROM omise_webhook_events WHERE event_id = '${id}'`);
    expect(row.last_error).toBe('the stored event cannot be dispatched: The body is not an Omise event envelope. no object in it may have a __proto__ key');
    expect(t.app.get(FlakyCapture).calls.has(id)).toBe(false);
  });

  it('ends dead an event claimed more often than its attempts allow (its worker died each time), without running it again', async () => {
    const event = buildOmiseEvent('charge.complete');
    // Three attempts allowed, three claims whose worker never wrote an outcome: the lease ran out.
    await storedAsIs(event.id, serializeOmiseEvent(event), { status: 'processing', attempts: 3, lockedUntil: new Date(Date.now() - 1000) });
    await expect(settled(t, event.id, ['dead'])).resolves.toEqual({ status: 'dead', attempts: 4 });
    const [row] = await t.dataSource.query<Array<{ last_error: string }>>(`SELECT last_error FROM omise_webhook_events WHERE event_id = '${event.id}'`);
    expect(row.last_error).toBe('claimed 4 times without an attempt finishing (its worker stopped each time)');
    expect(t.app.get(FlakyCapture).calls.has(event.id)).toBe(false);
  });

  it('leaves nothing processing after a clean stop, releasing what did not finish in time', async () => {
    const ids = [await deliver(buildOmiseEvent('schedule.suspend'))];
    for (let i = 0; i < 20; i++) ids.push(await deliver(buildOmiseEvent('charge.complete')));
    await t.close();
    const check = new DataSource(t.db.options);
    await check.initialize();
    try {
      const rows: Array<{ status: string }> = await check.query('SELECT status FROM omise_webhook_events');
      expect(rows.filter((r) => r.status === 'processing')).toEqual([]);
      await expect(eventRow(check, ids[0])).resolves.toMatchObject({ status: 'pending' });
    } finally {
      await check.destroy();
      t.app.get(StuckHandler).release?.();
    }
  });
});
