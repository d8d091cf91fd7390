import { Injectable } from '@nestjs/common';
import { OnOmiseEvent, type OmiseEventOf } from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent, waitForOmiseEvents } from 'omise-nest-webhooks/testing';
import { describeOnDatabases } from './support/test-databases';
import { SECRET, useWebhooksTestApp } from './support/webhooks-test-app';

/** Marks orders paid; fails for an order it cannot find; holds one order until released. */
@Injectable()
class Orders {
  readonly paid: string[] = [];
  holding?: { orderId: string; release: () => void };

  @OnOmiseEvent('charge.complete')
  async markPaid(event: OmiseEventOf<'charge.complete'>): Promise<void> {
    const orderId = String(event.data.metadata?.order_id);
    if (orderId === 'missing') throw new Error('no such order');
    if (orderId === 'held') await new Promise<void>((release) => (this.holding = { orderId, release }));
    this.paid.push(orderId);
  }
}

const paying = (orderId: string) => buildOmiseEvent('charge.complete', { data: { metadata: { order_id: orderId } } });

describeOnDatabases(['sqlite', 'postgres', 'mariadb'], 'waitForOmiseEvents on $name', (kind) => {
  const t = useWebhooksTestApp(kind, { providers: [Orders] });

  it("resolves once the worker has run the events' listeners and written their outcome", async () => {
    const events = ['A-1', 'A-2', 'A-3'].map(paying);
    for (const event of events) await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    await waitForOmiseEvents(t.app, events.map((event) => event.id));
    expect(t.app.get(Orders).paid).toEqual(expect.arrayContaining(['A-1', 'A-2', 'A-3']));
    const rows: Array<{ status: string }> = await t.dataSource.query(
      `SELECT status FROM omise_webhook_events WHERE event_id IN (${events.map((event) => `'${event.id}'`).join(', ')})`,
    );
    expect(rows.map((row) => row.status)).toEqual(['processed', 'processed', 'processed']);
  });

  it('resolves for an attempt that failed (its retry is scheduled), and at once for an event already finished', async () => {
    const failing = paying('missing');
    await postOmiseEvent(t.app, failing, { secret: SECRET }).expect(200);
    await waitForOmiseEvents(t.app, failing.id);
    const [row] = await t.dataSource.query<Array<{ status: string; last_error: string }>>(
      `SELECT status, last_error FROM omise_webhook_events WHERE event_id = '${failing.id}'`,
    );
    expect(row).toEqual({ status: 'failed', last_error: 'Orders.markPaid: no such order' });
    await expect(waitForOmiseEvents(t.app, failing.id, { timeoutMs: 1 })).resolves.toBeUndefined();
  });

  it('rejects at once for an event that was never stored', async () => {
    await expect(waitForOmiseEvents(t.app, 'evnt_test_never_delivered')).rejects.toThrow(
      'waitForOmiseEvents: no stored event evnt_test_never_delivered (was its delivery refused?)',
    );
  });

  it('rejects after the timeout, saying what the event is still doing', async () => {
    const held = paying('held');
    const orders = t.app.get(Orders);
    await postOmiseEvent(t.app, held, { secret: SECRET }).expect(200);
    // Until the listener has the event in hand (and holds it).
    while (!orders.holding) await new Promise((resolve) => setImmediate(resolve));
    await expect(waitForOmiseEvents(t.app, held.id, { timeoutMs: 300 })).rejects.toThrow(
      `waitForOmiseEvents: after 300 ms, still waiting for ${held.id} (processing)`,
    );
    orders.holding.release();
    await waitForOmiseEvents(t.app, held.id);
    expect(orders.paid).toContain('held');
  });
});
