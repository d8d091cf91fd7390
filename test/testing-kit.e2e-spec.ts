import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { buildOmiseEvent, postOmiseEvent, serializeOmiseEvent, signOmiseWebhook } from 'omise-nest-webhooks/testing';
import {
  OMISE_EVENT_KEYS,
  OMISE_EVENT_OBJECTS,
  parseOmiseEvent,
  verifyOmiseSignature,
  type OmiseEventKey,
} from 'omise-nest-webhooks';
import { describeOnDatabases, type TestDatabase } from './support/test-databases';
import { EmittedEvents, SECOND_SECRET, SECRET, startWebhooksTestApp, type WebhooksTestApp } from './support/webhooks-test-app';

// A delivery as Omise recorded it: the `payload` of its webhook_deliveries is the body it POSTed.
const RECORDED_EVENT = join(__dirname, 'fixtures/omise/event/omise-php__tests_fixtures_api.omise.co_events_evnt_test_no1t4tnemucod0e51mo-get.json');
const OMISE_ID = /^[a-z]+_test_[0-9a-z]{19}$/;
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('buildOmiseEvent', () => {
  it.each(OMISE_EVENT_KEYS.map((key) => [key]))('builds %s as intake accepts it, carrying the catalogued object', (key) => {
    const event = buildOmiseEvent(key);
    expect(event).toMatchObject({ object: 'event', key, livemode: false, location: `/events/${event.id}`, webhook_deliveries: [] });
    expect(event.id).toMatch(OMISE_ID);
    expect(event.data).toMatchObject({ object: OMISE_EVENT_OBJECTS[key], id: expect.stringMatching(OMISE_ID), livemode: false });
    // What intake will make of its bytes: the same event, with createdAt added.
    const parsed = parseOmiseEvent(Buffer.from(serializeOmiseEvent(event)));
    expect(parsed).toEqual({ ...event, createdAt: event.createdAt });
  });

  it('gives every call fresh ids and the current time, in Omise format', () => {
    const before = nowSeconds();
    const [a, b] = [buildOmiseEvent('transfer.pay'), buildOmiseEvent('transfer.pay')];
    expect(a.id).not.toBe(b.id);
    expect(a.data.id).not.toBe(b.data.id);
    expect(a.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(a.created_at as string) / 1000).toBeGreaterThanOrEqual(before);
    expect(Date.parse(a.created_at as string) / 1000).toBeLessThanOrEqual(nowSeconds());
  });

  it('builds each key in the state it announces', () => {
    expect(buildOmiseEvent('charge.complete').data).toMatchObject({ status: 'successful', paid: true, authorized: true, capture: true });
    expect(buildOmiseEvent('charge.capture').data).toMatchObject({ status: 'successful', paid: true, capture: false });
    expect(buildOmiseEvent('charge.failed').data).toMatchObject({ status: 'failed', paid: false, failure_code: 'insufficient_fund' });
    expect(buildOmiseEvent('transfer.pay').data).toMatchObject({ sent: true, paid: true, failure_code: null });
    expect(buildOmiseEvent('dispute.accept').data).toMatchObject({ status: 'lost', closed_at: expect.any(String) });
    expect(buildOmiseEvent('schedule.destroy').data).toMatchObject({ status: 'deleted', deleted: true });
    expect(buildOmiseEvent('customer.update.card').data).toMatchObject({ object: 'customer', cards: { total: 1 } });
  });

  it('deep-merges overrides: nested fields replace theirs only, arrays replace whole, undefined removes', () => {
    const plain = buildOmiseEvent('charge.complete');
    const event = buildOmiseEvent('charge.complete', {
      id: 'evnt_test_override',
      data: { card: { name: 'Jane Doe' }, metadata: { order_id: 'ord_1' }, refunds: { data: [] } },
      webhook_deliveries: [{ status: 200 }],
      created_at: undefined,
      created: '2017-11-04T19:12:35+07:00',
    });
    expect(event.data.card).toEqual({ ...plain.data.card, id: expect.any(String), fingerprint: expect.any(String), name: 'Jane Doe' });
    expect(event.data.metadata).toEqual({ order_id: 'ord_1' });
    expect(event.data.refunds).toEqual({ ...plain.data.refunds, location: `/charges/${event.data.id}/refunds` });
    expect(event.data).toMatchObject({ amount: plain.data.amount, status: 'successful' });
    expect(event.webhook_deliveries).toEqual([{ status: 200 }]);
    expect(event).not.toHaveProperty('created_at');
    expect(event.createdAt).toEqual(new Date('2017-11-04T12:12:35Z'));
  });

  it('keeps fields derived from the ids, amount and livemode in step with their overrides', () => {
    const event = buildOmiseEvent('charge.complete', { id: 'evnt_test_mine', livemode: true, data: { id: 'chrg_mine', amount: 5_000 } });
    expect(event).toMatchObject({ location: '/events/evnt_test_mine' });
    expect(event.data).toMatchObject({ location: '/charges/chrg_mine', amount: 5_000, captured_amount: 5_000, fee: 183, fee_vat: 13, net: 4_804 });
    expect(event.data.card).toMatchObject({ livemode: true, id: expect.stringMatching(/^card_[0-9a-z]{19}$/) });
  });

  it('adds createdAt as a getter that serializing, spreading and toEqual leave out', () => {
    const event = buildOmiseEvent('refund.create');
    expect(event.createdAt).toEqual(new Date(event.created_at as string));
    expect(Object.keys(event)).not.toContain('createdAt');
    expect(serializeOmiseEvent(event)).not.toContain('createdAt');
  });

  it('types overrides and data by key', () => {
    // @ts-expect-error a charge's amount is a number
    buildOmiseEvent('charge.complete', { data: { amount: '100' } });
    // @ts-expect-error not a charge status
    buildOmiseEvent('charge.complete', { data: { status: 'paid' } });
    const refund: string = buildOmiseEvent('refund.create').data.charge;
    expect(refund).toMatch(/^chrg_test_/);
  });
});

describe('serializeOmiseEvent', () => {
  it('writes the bytes of a recorded Omise delivery exactly', () => {
    const recorded = JSON.parse(readFileSync(RECORDED_EVENT, 'utf8')) as { webhook_deliveries: Array<{ payload: string }> };
    const delivered = recorded.webhook_deliveries[0].payload;
    expect(delivered).toContain('"webhook_deliveries": [\n\n  ]'); // the empty-array form Omise writes
    expect(serializeOmiseEvent(JSON.parse(delivered))).toBe(delivered);
  });

  it('follows JSON.stringify for what JSON cannot hold, and ends with a newline', () => {
    const text = serializeOmiseEvent({ at: new Date(0), gone: undefined, list: [undefined, 1], empty: {}, nested: { list: [] } });
    expect(text).toBe(
      '{\n  "at": "1970-01-01T00:00:00.000Z",\n  "list": [\n    null,\n    1\n  ],\n  "empty": {\n  },\n  "nested": {\n    "list": [\n\n    ]\n  }\n}\n',
    );
  });
});

/** A bare HTTP server that records what it received, so the kit is checked without the module. */
async function recordingServer(): Promise<{ server: Server; received: Array<{ url?: string; headers: IncomingHttpHeaders; distinct: NodeJS.Dict<string[]>; body: Buffer }> }> {
  const received: Array<{ url?: string; headers: IncomingHttpHeaders; distinct: NodeJS.Dict<string[]>; body: Buffer }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ url: request.url, headers: request.headers, distinct: request.headersDistinct, body: Buffer.concat(chunks) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, received };
}

describe('signatures made by the kit', () => {
  let target: Awaited<ReturnType<typeof recordingServer>>;
  beforeAll(async () => {
    target = await recordingServer();
  });
  afterAll(() => new Promise<void>((resolve) => target.server.close(() => resolve())));

  const verify = (secret: string, sent: (typeof target.received)[number], now: number) =>
    verifyOmiseSignature({
      signatureHeader: sent.distinct['omise-signature'],
      timestampHeader: sent.distinct['omise-signature-timestamp'],
      rawBody: sent.body,
      secrets: [secret],
      toleranceSeconds: 300,
      nowSeconds: now,
    });

  it('postOmiseEvent sends the serialized bytes to the path, signed for each secret at the timestamp', async () => {
    const event = buildOmiseEvent('dispute.create');
    const timestamp = nowSeconds() - 60;
    await postOmiseEvent(target.server, event, {
      secret: [SECRET, SECOND_SECRET],
      timestamp,
      path: '/api/hooks/omise',
      headers: { 'X-Request-Id': 'req-1' },
    }).expect(204);
    const sent = target.received.at(-1)!;
    expect(sent.url).toBe('/api/hooks/omise');
    expect(sent.body.toString()).toBe(serializeOmiseEvent(event));
    expect(sent.headers).toMatchObject({ 'content-type': 'application/json', 'omise-signature-timestamp': String(timestamp), 'x-request-id': 'req-1' });
    expect(verify(SECRET, sent, timestamp)).toEqual({ ok: true });
    expect(verify(SECOND_SECRET, sent, nowSeconds())).toEqual({ ok: true });
    expect(verify('b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVk', sent, timestamp)).toEqual({ ok: false, failure: 'signature_mismatch' });
  });

  it('postOmiseEvent sends a string byte for byte, to webhooks/omise by default', async () => {
    const body = '{"object":"event","id":"evnt_test_raw","note":"ünïcode"}';
    await postOmiseEvent(target.server, body, { secret: SECRET }).expect(204);
    const sent = target.received.at(-1)!;
    expect(sent.url).toBe('/webhooks/omise');
    expect(sent.body.equals(Buffer.from(body))).toBe(true);
    expect(verify(SECRET, sent, nowSeconds())).toEqual({ ok: true });
  });

  describe('with OMISE_WEBHOOK_SECRET', () => {
    const saved = process.env.OMISE_WEBHOOK_SECRET;
    afterEach(() => {
      if (saved === undefined) delete process.env.OMISE_WEBHOOK_SECRET;
      else process.env.OMISE_WEBHOOK_SECRET = saved;
    });

    it('postOmiseEvent signs with the first secret the app reads when given none', async () => {
      process.env.OMISE_WEBHOOK_SECRET = ` ${SECOND_SECRET} , ${SECRET}`;
      await postOmiseEvent(target.server, buildOmiseEvent('charge.complete')).expect(204);
      const sent = target.received.at(-1)!;
      expect(verify(SECOND_SECRET, sent, nowSeconds())).toEqual({ ok: true });
      expect(verify(SECRET, sent, nowSeconds())).toEqual({ ok: false, failure: 'signature_mismatch' });
    });

    it('postOmiseEvent without a secret anywhere says where one comes from, and sends nothing', () => {
      process.env.OMISE_WEBHOOK_SECRET = ' ';
      const sent = target.received.length;
      expect(() => postOmiseEvent(target.server, buildOmiseEvent('charge.complete'))).toThrow(
        /no secret to sign with: pass \{ secret \}, or set OMISE_WEBHOOK_SECRET .*omise-nest-webhooks\/testing\/setup/,
      );
      expect(target.received).toHaveLength(sent);
    });

    it('the setup file gives the app a test secret when none is set, and keeps one that is', async () => {
      delete process.env.OMISE_WEBHOOK_SECRET;
      await jest.isolateModulesAsync(async () => {
        await import('../src/testing/setup');
      });
      const made = process.env.OMISE_WEBHOOK_SECRET ?? '';
      expect(Buffer.from(made, 'base64')).toHaveLength(32);
      expect(() => signOmiseWebhook('{}', made)).not.toThrow();

      process.env.OMISE_WEBHOOK_SECRET = SECRET;
      await jest.isolateModulesAsync(async () => {
        await import('../src/testing/setup');
      });
      expect(process.env.OMISE_WEBHOOK_SECRET).toBe(SECRET);
    });
  });

  it('signOmiseWebhook signs exactly the given bytes', () => {
    const body = serializeOmiseEvent(buildOmiseEvent('charge.create'));
    const headers = signOmiseWebhook(body, SECRET, { timestamp: 1_700_000_000 });
    const input = {
      signatureHeader: [headers['Omise-Signature']],
      timestampHeader: [headers['Omise-Signature-Timestamp']],
      secrets: [SECRET],
      toleranceSeconds: 300,
      nowSeconds: 1_700_000_000,
    };
    expect(verifyOmiseSignature({ ...input, rawBody: Buffer.from(body) })).toEqual({ ok: true });
    expect(verifyOmiseSignature({ ...input, rawBody: Buffer.from(JSON.stringify(JSON.parse(body))) })).toEqual({
      ok: false,
      failure: 'signature_mismatch',
    });
  });
});

describeOnDatabases(['sqlite'], 'the kit against a test app on $name', (kind) => {
  let db: TestDatabase;
  let t: WebhooksTestApp;

  beforeAll(async () => {
    db = await kind.create();
    t = await startWebhooksTestApp(db, { providers: [EmittedEvents] });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it.each(OMISE_EVENT_KEYS.map((key) => [key]))('a built %s is accepted, stored as sent and emitted', async (key: OmiseEventKey) => {
    const event = buildOmiseEvent(key);
    const response = await postOmiseEvent(t.app, event, { secret: SECRET });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true, id: event.id, duplicate: false });
    const rows: Array<{ raw_body: string }> = await t.dataSource.query('SELECT raw_body FROM omise_webhook_events WHERE event_id = ?', [event.id]);
    expect(rows).toEqual([{ raw_body: serializeOmiseEvent(event) }]);
    await expect(t.emitted.emittedOnce(event.id)).resolves.toEqual({ ...event, createdAt: event.createdAt });
  });

  it("makes a user's e2e test three lines", async () => {
    const event = buildOmiseEvent('charge.complete', { data: { metadata: { order_id: 'ord_42' } } });
    await postOmiseEvent(t.server, event, { secret: SECRET }).expect(200);
    await expect(t.emitted.emittedOnce(event.id)).resolves.toMatchObject({ data: { metadata: { order_id: 'ord_42' } } });
  });
});
