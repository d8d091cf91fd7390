import { Injectable } from '@nestjs/common';
import { register } from 'prom-client';
import {
  OnOmiseEvent,
  ReconcileJob,
  WebhooksAdmin,
  type OmiseEventContext,
  type OmiseEventOf,
} from 'omise-nest-webhooks';
import { buildOmiseEvent, omiseId, postOmiseEvent, waitForOmiseEvents } from 'omise-nest-webhooks/testing';
import type { AddressInfo } from 'node:net';
import { runCli } from '../src/cli/cli';
import { startFakeOmiseApi, type FakeOmiseApi } from './support/fake-omise-api';
import { testDatabases } from './support/test-databases';
import { SECOND_SECRET, SECRET, type TestAppOptions, useWebhooksTestApp } from './support/webhooks-test-app';

/** Marks orders paid: the listener that must never see a test-mode event at a live endpoint. */
@Injectable()
class PaidOrders {
  readonly calls: Array<{ id: string; context: OmiseEventContext }> = [];

  @OnOmiseEvent('charge.complete')
  markPaid(event: OmiseEventOf<'charge.complete'>, context: OmiseEventContext): void {
    this.calls.push({ id: event.id, context });
  }
}

/** Thailand's bookkeeping: written for one account's live events, without an `if` in its body. */
@Injectable()
class ThaiLedger {
  readonly ids: string[] = [];

  @OnOmiseEvent('charge.complete', { account: 'th', mode: 'live' })
  record(event: OmiseEventOf<'charge.complete'>): void {
    this.ids.push(event.id);
  }
}

/** A live event as Omise's live mode sends it: `livemode` true and ids without `_test_`. */
function liveEvent(createdAt = new Date()): OmiseEventOf<'charge.complete'> {
  return buildOmiseEvent('charge.complete', {
    id: omiseId('evnt', true),
    livemode: true,
    created_at: createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    data: { id: omiseId('chrg', true), livemode: true },
  });
}

/** An hour ago: inside reconciliation's window, which ends a second before each run starts. */
const anHourAgo = () => new Date(Date.now() - 3_600_000);

type Row = { account: string; status: string; last_error: string | null };

describe.each(testDatabases())('test and live, several accounts, on $name', (kind) => {
  describe('one live endpoint (the default account)', () => {
    const t = useWebhooksTestApp(kind, { mode: 'live', metrics: true, providers: [PaidOrders] });
    const row = async (id: string): Promise<Row[]> =>
      t.dataSource.query(`SELECT account, status, last_error FROM omise_webhook_events WHERE event_id = '${id}'`);

    it('acknowledges a test-mode event, stores it ignored with the reason, and never runs the handler', async () => {
      const ignoredBefore = await deliveries('ignored');
      const event = buildOmiseEvent('charge.complete'); // livemode false, evnt_test_…
      const response = await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
      expect(response.body).toEqual({
        received: true,
        id: event.id,
        duplicate: false,
        ignored: 'a test-mode event at a live endpoint (account default): stored, never dispatched',
      });
      await waitForOmiseEvents(t.app, event.id);
      await expect(row(event.id)).resolves.toEqual([{ account: 'default', status: 'ignored', last_error: response.body.ignored }]);
      // A live event after it, handled: the worker has had its chance at the test-mode one by then.
      const live = liveEvent();
      await postOmiseEvent(t.app, live, { secret: SECRET }).expect(200);
      await waitForOmiseEvents(t.app, live.id);
      const handled = t.app.get(PaidOrders).calls.map((call) => call.id);
      expect(handled).toContain(live.id);
      expect(handled).not.toContain(event.id);
      await expect(deliveries('ignored')).resolves.toBe(ignoredBefore + 1);
    });

    it('counts an event as test-mode when an id says _test_, whatever livemode says', async () => {
      // evnt_test_… with livemode true, as one real payload has it.
      const event = buildOmiseEvent('charge.complete', { id: omiseId('evnt'), livemode: true });
      expect(event).toMatchObject({ livemode: true, id: expect.stringMatching(/^evnt_test_/) });
      await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
      await expect(row(event.id)).resolves.toEqual([expect.objectContaining({ status: 'ignored' })]);
    });

    it('runs a live event, handing the handler its account and mode', async () => {
      const event = liveEvent();
      await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200, { received: true, id: event.id, duplicate: false });
      await waitForOmiseEvents(t.app, event.id);
      await expect(row(event.id)).resolves.toEqual([{ account: 'default', status: 'processed', last_error: null }]);
      expect(t.app.get(PaidOrders).calls.find((call) => call.id === event.id)?.context).toEqual({ account: 'default', mode: 'live', attempt: 1 });
    });

    it('ignores a test-mode event again when an operator force-replays it', async () => {
      const event = buildOmiseEvent('charge.complete');
      await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
      await expect(t.app.get(WebhooksAdmin).replay({ eventId: event.id }, { force: true })).resolves.toBe(1);
      await waitForOmiseEvents(t.app, event.id);
      await expect(row(event.id)).resolves.toEqual([expect.objectContaining({ status: 'ignored' })]);
      expect(t.app.get(PaidOrders).calls.map((call) => call.id)).not.toContain(event.id);
    });

    it('lists them under their own filter: mode=test, status ignored', async () => {
      const listed = await t.app.get(WebhooksAdmin).list({ mode: 'test', status: 'ignored' });
      expect(listed.length).toBeGreaterThanOrEqual(3);
      expect(listed.every((event) => !event.livemode && event.status === 'ignored')).toBe(true);
    });
  });

  describe('two accounts, each at its own path with its own secret', () => {
    let api: FakeOmiseApi;
    const thailand = { listed: [liveEvent(anHourAgo()), liveEvent(anHourAgo())], key: 'skey_th_1' };
    const singapore = { listed: [liveEvent(anHourAgo())], key: 'skey_sg_1' };
    beforeAll(async () => {
      api = await startFakeOmiseApi({
        secretKey: thailand.key,
        events: thailand.listed,
        otherAccounts: [{ secretKey: singapore.key, events: singapore.listed }],
      });
    });
    afterAll(() => api?.close());
    const options = (): TestAppOptions => ({
      mode: 'live',
      accounts: [
        { name: 'th', secrets: SECRET, secretKey: thailand.key },
        { name: 'sg', secrets: SECOND_SECRET, secretKey: singapore.key },
      ],
      omiseApi: { baseUrl: api.url },
      // Hourly, so the run at boot is the only one the test sees until it asks for another.
      reconcile: { every: '1h', lookback: '3d' },
      providers: [PaidOrders, ThaiLedger],
    });
    const t = useWebhooksTestApp(kind, () => ({ ...options(), secrets: undefined }));
    const rows = async (id: string): Promise<Row[]> =>
      t.dataSource.query(`SELECT account, status, last_error FROM omise_webhook_events WHERE event_id = '${id}' ORDER BY account`);

    it("takes each account's events at <path>/<name> with its own secret, and refuses the other's", async () => {
      const event = liveEvent();
      await postOmiseEvent(t.app, event, { secret: SECRET, path: 'webhooks/omise/th' }).expect(200);
      const crossed = await postOmiseEvent(t.app, liveEvent(), { secret: SECRET, path: 'webhooks/omise/sg' }).expect(401);
      expect(crossed.body).toMatchObject({ reason: 'signature_mismatch' });
      const unknown = await postOmiseEvent(t.app, liveEvent(), { secret: SECRET, path: 'webhooks/omise/my' }).expect(404);
      expect(unknown.body).toMatchObject({ reason: 'unknown_account' });
      // No top-level secrets: nothing listens at the path itself.
      await postOmiseEvent(t.app, liveEvent(), { secret: SECRET }).expect(404);
      await waitForOmiseEvents(t.app, event.id);
      await expect(rows(event.id)).resolves.toEqual([{ account: 'th', status: 'processed', last_error: null }]);
    });

    it('stores the same event id under two accounts twice, and under one account once', async () => {
      const event = liveEvent();
      await postOmiseEvent(t.app, event, { secret: SECRET, path: 'webhooks/omise/th' }).expect(200, { received: true, id: event.id, duplicate: false });
      await postOmiseEvent(t.app, event, { secret: SECOND_SECRET, path: 'webhooks/omise/sg' }).expect(200, { received: true, id: event.id, duplicate: false });
      await postOmiseEvent(t.app, event, { secret: SECRET, path: 'webhooks/omise/th' }).expect(200, { received: true, id: event.id, duplicate: true });
      await waitForOmiseEvents(t.app, event.id);
      await expect(rows(event.id)).resolves.toEqual([
        { account: 'sg', status: 'processed', last_error: null },
        { account: 'th', status: 'processed', last_error: null },
      ]);
      const contexts = t.app.get(PaidOrders).calls.filter((call) => call.id === event.id).map((call) => call.context.account);
      expect(contexts.sort()).toEqual(['sg', 'th']);
    });

    it('calls a narrowed handler for its account and mode only', async () => {
      const [th, sg] = [liveEvent(), liveEvent()];
      await postOmiseEvent(t.app, th, { secret: SECRET, path: 'webhooks/omise/th' }).expect(200);
      await postOmiseEvent(t.app, sg, { secret: SECOND_SECRET, path: 'webhooks/omise/sg' }).expect(200);
      await waitForOmiseEvents(t.app, [th.id, sg.id]);
      expect(t.app.get(ThaiLedger).ids).toContain(th.id);
      expect(t.app.get(ThaiLedger).ids).not.toContain(sg.id);
    });

    it("reconciles each account with its own key against its own events, stored under its name", async () => {
      await t.app.get(ReconcileJob).reconcileNow();
      for (const [account, listed] of [
        ['th', thailand.listed],
        ['sg', singapore.listed],
      ] as const) {
        for (const event of listed) await expect(rows(event.id)).resolves.toEqual([expect.objectContaining({ account })]);
      }
      const keys = api.requests.filter((entry) => entry.path === '/events');
      expect(keys.length).toBeGreaterThanOrEqual(2);
      expect(keys.every((entry) => entry.authorized)).toBe(true);
    });

    it('takes --account in the CLI: trigger posts to the account\'s endpoint, events lists its test events stored ignored', async () => {
      const env = { PORT: String((t.server.address() as AddressInfo).port), DATABASE_URL: t.db.url, OMISE_WEBHOOK_SECRET: SECOND_SECRET };
      const triggered = await cli(['trigger', 'charge.complete', '--account', 'sg'], env);
      expect(triggered).toMatchObject({ code: 0, stdout: expect.stringContaining('200 OK') });
      const listed = await cli(['events', '--account', 'sg', '--mode', 'test', '--status', 'ignored', '--json'], env);
      expect(listed.code).toBe(0);
      const rows = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { account: string; status: string; livemode: boolean });
      expect(rows).toEqual([expect.objectContaining({ account: 'sg', status: 'ignored', livemode: false })]);
      await expect(cli(['trigger', 'charge.complete', '--account', 'Nope'], env)).resolves.toMatchObject({ code: 2 });
    });

    it('shows the account on the admin API and takes it as a filter', async () => {
      const event = liveEvent();
      await postOmiseEvent(t.app, event, { secret: SECOND_SECRET, path: 'webhooks/omise/sg' }).expect(200);
      await waitForOmiseEvents(t.app, event.id);
      const sgOnly = await t.app.get(WebhooksAdmin).list({ account: 'sg' });
      expect(sgOnly.map((summary) => summary.eventId)).toContain(event.id);
      expect(sgOnly.every((summary) => summary.account === 'sg')).toBe(true);
      await expect(t.app.get(WebhooksAdmin).find(event.id, 'sg')).resolves.toMatchObject({ account: 'sg', status: 'processed' });
      await expect(t.app.get(WebhooksAdmin).find(event.id, 'th')).resolves.toBeNull();
    });
  });
});

/** The CLI in this process, with this environment. */
async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { out: (text: string) => void (stdout += text), err: (text: string) => void (stderr += text), stderrIsTty: false };
  const code = await runCli(args, { io, env });
  return { code, stdout, stderr };
}

/** omise_webhooks_deliveries_total for an outcome, over every account. */
async function deliveries(outcome: string): Promise<number> {
  const metric = (await register.getSingleMetric('omise_webhooks_deliveries_total')?.get())?.values ?? [];
  return metric.filter((value) => value.labels.outcome === outcome).reduce((sum, value) => sum + value.value, 0);
}
