import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { postOmiseEvent, signOmiseWebhook } from 'omise-nest-webhooks/testing';
import { expectRefusal, MALFORMED_HEADERS, NOT_AN_EVENT, postHalfBody, signedWith, STALE_TIMESTAMPS, UNSUPPORTED_MEDIA, withDatabaseDown } from './support/intake-cases';
import { eventBody, postChunked, postTogether } from './support/omise-events';
import { testDatabases } from './support/test-databases';
import { countStored, SECOND_SECRET, SECRET, useWebhooksTestApp } from './support/webhooks-test-app';

const PATH = '/webhooks/omise';
// Under 64 KiB, the most MySQL's TEXT body column holds.
const MAX_BODY_BYTES = 60 * 1024;
// As text: supertest would re-serialize a Buffer as JSON. The string's UTF-8 bytes are the file's bytes.
const FIXTURE = readFileSync(join(__dirname, 'fixtures/omise/event/omise-ruby__test_fixtures_api.omise.co_events_evnt_test_52cin5n9bb6lytxduh9-get.json'), 'utf8');
const now = () => Math.floor(Date.now() / 1000);

/** Both ways the route is served: through Nest's router (the default), and before it (`route: 'direct'`). */
const ROUTES = ['nest', 'direct'] as const;
const onEachRoute = testDatabases().flatMap((kind) => ROUTES.map((route) => ({ kind, name: kind.name, route })));

describe.each(onEachRoute)('intake on $name, route $route', ({ kind, route }) => {
  const t = useWebhooksTestApp(kind, { secrets: [SECRET, SECOND_SECRET], maxBodyBytes: MAX_BODY_BYTES, route });

  const post = (body: string, headers: Record<string, string>) =>
    request(t.server).post(PATH).set(headers).send(body);

  /** Posts and asserts that nothing was stored for the event, whatever the answer. */
  async function expectRefused(body: string, headers: Record<string, string>, status: number, reason: string) {
    const response = await post(body, headers);
    await expectRefusal(response, t.dataSource, body, status, reason);
    return response;
  }

  describe('a valid event', () => {
    it('is stored before the 200 and emitted once under its key with the typed envelope', async () => {
      const body = eventBody({ key: 'charge.complete' });
      const { id } = JSON.parse(body) as { id: string };
      const response = await post(body, signOmiseWebhook(body, SECRET));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ received: true, id, duplicate: false });
      const rows: Array<{ event_key: string; raw_body: string }> = await t.dataSource.query(
        `SELECT event_key, raw_body FROM omise_webhook_events WHERE event_id = '${id}'`,
      );
      expect(rows).toEqual([{ event_key: 'charge.complete', raw_body: body }]);
      await expect(t.emitted.emittedOnce(id)).resolves.toMatchObject({ id, key: 'charge.complete', createdAt: expect.any(Date) });
      await t.worker.idle();
      expect(t.emitted.ofId(id)).toHaveLength(1);
    });

    it('answers a redelivery 200 as a duplicate, with no new row and no second emit', async () => {
      const body = eventBody();
      const { id } = JSON.parse(body) as { id: string };
      await post(body, signOmiseWebhook(body, SECRET)).expect(200);
      const again = await post(body, signOmiseWebhook(body, SECRET));
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ received: true, id, duplicate: true });
      await expect(countStored(t.dataSource, id)).resolves.toBe(1);
      await t.emitted.emittedOnce(id);
      await t.worker.idle();
      expect(t.emitted.ofId(id)).toHaveLength(1);
    });

    it('accepts a real Omise payload posted as its exact pretty-printed bytes', async () => {
      const response = await post(FIXTURE, signOmiseWebhook(FIXTURE, SECRET));
      expect(response.body).toEqual({ received: true, id: 'evnt_test_52cin5n9bb6lytxduh9', duplicate: false });
      const rows: Array<{ raw_body: string }> = await t.dataSource.query(
        "SELECT raw_body FROM omise_webhook_events WHERE event_id = 'evnt_test_52cin5n9bb6lytxduh9'",
      );
      expect(rows[0].raw_body).toBe(FIXTURE);
      expect(FIXTURE).toContain('\n  "object": "event",'); // pretty-printed, as Omise sends it
    });

    it('rejects the same payload re-serialized under the original signature', async () => {
      const reserialized = JSON.stringify({ ...(JSON.parse(FIXTURE) as object), id: 'evnt_test_reserialized' });
      const staleHeaders = { ...signOmiseWebhook(FIXTURE, SECRET) };
      await expectRefused(reserialized, staleHeaders, 401, 'signature_mismatch');
    });

    it('accepts unknown event keys and unknown fields', async () => {
      const body = eventBody({ key: 'brand_new.thing', novel: { nested: true } });
      await post(body, signOmiseWebhook(body, SECRET)).expect(200);
    });
  });

  describe('secret rotation', () => {
    it.each([
      ['two signatures, new secret first', () => [SECOND_SECRET, SECRET]],
      ['two signatures, old secret first', () => [SECRET, SECOND_SECRET]],
      ['only the second configured secret', () => [SECOND_SECRET]],
    ])('accepts %s', async (_name, secrets) => {
      const body = eventBody();
      await post(body, signOmiseWebhook(body, secrets())).expect(200);
    });

    it('accepts a header with junk next to one valid signature', async () => {
      const body = eventBody();
      const headers = signOmiseWebhook(body, SECRET);
      headers['Omise-Signature'] = `junk, ${'f'.repeat(64)},${headers['Omise-Signature']}`;
      await post(body, headers).expect(200);
    });
  });

  describe('refusals store nothing', () => {
    it.each(MALFORMED_HEADERS)('400 for %s', async (_name, patch, reason) => {
      const body = eventBody();
      await expectRefused(body, signedWith(body, SECRET, patch), 400, reason);
    });

    it('400 for a signature header sent twice', async () => {
      const body = eventBody();
      const headers = signOmiseWebhook(body, SECRET);
      // Node joins a repeated header with ", " in `headers`; the guard reads `headersDistinct`.
      const [twice] = await postTogether(
        t.server,
        PATH,
        body,
        { ...headers, 'Omise-Signature': [headers['Omise-Signature'], headers['Omise-Signature']] },
        1,
      );
      expect(twice.status).toBe(400);
      expect(JSON.parse(twice.body)).toMatchObject({ reason: 'signature_header_malformed' });
      await expect(countStored(t.dataSource, (JSON.parse(body) as { id: string }).id)).resolves.toBe(0);
    });

    it('401 when no signature matches a configured secret', async () => {
      const body = eventBody();
      const response = await expectRefused(
        body,
        signOmiseWebhook(body, 'b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVk'),
        401,
        'signature_mismatch',
      );
      expect(JSON.stringify(response.body)).not.toMatch(/[0-9a-f]{64}/); // never echoes a signature
    });

    it.each(STALE_TIMESTAMPS)('401 for a timestamp %s', async (_name, offset, reason) => {
      const body = eventBody();
      await expectRefused(body, signOmiseWebhook(body, SECRET, { timestamp: now() + offset }), 401, reason);
    });

    it.each(NOT_AN_EVENT)('400 for a validly signed body that is %s, in the module shape', async (_name, body, reason) => {
      // The module reads the route's body itself: even invalid JSON is answered in its own shape,
      // once the signature over the bytes passed.
      const before = await countStored(t.dataSource);
      const response = await post(body, signOmiseWebhook(body, SECRET));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, reason, message: expect.any(String) });
      await expect(countStored(t.dataSource)).resolves.toBe(before);
    });

    it.each(UNSUPPORTED_MEDIA)('415 for a body %s', async (_name, patch) => {
      const body = eventBody();
      await expectRefused(body, signedWith(body, SECRET, patch), 415, 'unsupported_media_type');
    });

    it('413 for a body over maxBodyBytes, declared or sent chunked', async () => {
      const body = eventBody({ padding: 'x'.repeat(MAX_BODY_BYTES) });
      await expectRefused(body, signOmiseWebhook(body, SECRET), 413, 'payload_too_large');
      const chunked = await postChunked(t.server, PATH, body, signOmiseWebhook(body, SECRET));
      expect(chunked.status).toBe(413);
      expect(JSON.parse(chunked.body)).toMatchObject({ statusCode: 413, reason: 'payload_too_large' });
    });
  });

  it('503 when the database is unavailable, and the event is not stored', async () => {
    const body = eventBody();
    const { id } = JSON.parse(body) as { id: string };
    const response = await withDatabaseDown(t.app, t.dataSource, () => post(body, signOmiseWebhook(body, SECRET)));
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ reason: 'store_unavailable' });
    await expect(countStored(t.dataSource, id)).resolves.toBe(0);
    expect(t.emitted.ofId(id)).toEqual([]);
  });

  it('20 deliveries of one event released together: one row, one emit, all 200', async () => {
    const body = eventBody();
    const { id } = JSON.parse(body) as { id: string };
    const responses = await postTogether(t.server, PATH, body, { ...signOmiseWebhook(body, SECRET) }, 20);
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(responses.filter((r) => (JSON.parse(r.body) as { duplicate: boolean }).duplicate === false)).toHaveLength(1);
    await expect(countStored(t.dataSource, id)).resolves.toBe(1);
    await t.emitted.emittedOnce(id);
    await t.worker.idle();
    expect(t.emitted.ofId(id)).toHaveLength(1);
  });

  it('nothing acknowledged is lost: N events answered 200 are N rows', async () => {
    const before = await countStored(t.dataSource);
    const bodies = Array.from({ length: 200 }, () => eventBody());
    const statuses = await Promise.all(
      bodies.map((body) => post(body, signOmiseWebhook(body, SECRET)).then((response) => response.status)),
    );
    const acknowledged = statuses.filter((status) => status === 200).length;
    expect(acknowledged).toBe(200);
    await expect(countStored(t.dataSource)).resolves.toBe(before + acknowledged);
  });
});

// The module reads the webhook route's body itself: the host's rawBody option does not matter to it.
describe.each(testDatabases().slice(0, 1))('a host app created without rawBody ($name)', (kind) => {
  const t = useWebhooksTestApp(kind, { rawBody: false });

  it('stores the exact bytes of a signed delivery all the same', async () => {
    const response = await postOmiseEvent(t.app, FIXTURE, { secret: SECRET });
    expect(response.status).toBe(200);
    const rows: Array<{ raw_body: string }> = await t.dataSource.query('SELECT raw_body FROM omise_webhook_events');
    expect(rows).toEqual([{ raw_body: FIXTURE }]);
  });
});

describe.each(onEachRoute.filter(({ name }) => name === testDatabases()[0].name))('a delivery whose body trickles in ($name, route $route)', ({ kind, route }) => {
  const t = useWebhooksTestApp(kind, { bodyTimeoutMs: 300, route });

  it('is refused 408 request_timeout once bodyTimeoutMs has passed, and the connection closed', async () => {
    // Half the body, then nothing: the answer comes from the module's deadline, not from the client.
    const answer = await postHalfBody(t.server, PATH, eventBody(), SECRET);
    expect(answer).toMatchObject({ status: 408, connection: 'close' });
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 408, reason: 'request_timeout' });
    await expect(countStored(t.dataSource)).resolves.toBe(0);
  });
});
