import { buildOmiseEvent, postOmiseEvent } from 'omise-nest-webhooks/testing';
import { startFakeOmiseApi, type FakeOmiseApi } from './support/fake-omise-api';
import { testDatabases } from './support/test-databases';
import { countStored, SECRET, startWebhooksTestApp, useWebhooksTestApp } from './support/webhooks-test-app';

const SECRET_KEY = 'skey_test_5fakeapikey000000000';

describe.each(testDatabases())("verify: 'signature+fetch' on $name", (kind) => {
  let api: FakeOmiseApi;
  // What the Omise API holds: the authentic copy.
  const authentic = buildOmiseEvent('charge.complete', { data: { amount: 100_000 } });

  beforeAll(async () => {
    api = await startFakeOmiseApi({ secretKey: SECRET_KEY, events: [authentic] });
  });
  afterAll(() => api?.close());
  const t = useWebhooksTestApp(kind, () => ({ verify: 'signature+fetch', omiseApi: { secretKey: SECRET_KEY, baseUrl: api.url } }));

  it("stores and dispatches the API's copy, not the delivered one", async () => {
    // Signed with the right webhook secret (a leaked secret, say) but altered: the API's copy wins.
    const tampered = { ...authentic, data: { ...authentic.data, amount: 1 } };
    await postOmiseEvent(t.app, tampered, { secret: SECRET }).expect(200, { received: true, id: authentic.id, duplicate: false });
    const [row] = await t.dataSource.query<Array<{ raw_body: string }>>(
      `SELECT raw_body FROM omise_webhook_events WHERE event_id = '${authentic.id}'`,
    );
    expect((JSON.parse(row.raw_body) as { data: { amount: number } }).data.amount).toBe(100_000);
    await expect(t.emitted.emittedOnce(authentic.id)).resolves.toMatchObject({ data: { amount: 100_000 } });
    expect(api.requests.at(-1)).toMatchObject({ path: `/events/${authentic.id}`, authorized: true });
  });

  it('refuses with 401 a signed event the API does not know, and stores nothing', async () => {
    const forged = buildOmiseEvent('charge.complete');
    const response = await postOmiseEvent(t.app, forged, { secret: SECRET }).expect(401);
    expect(response.body).toMatchObject({ reason: 'event_not_confirmed' });
    await expect(countStored(t.dataSource, forged.id)).resolves.toBe(0);
  });

  it('answers 503 when the API cannot confirm (wrong key, or unreachable), so Omise retries; nothing stored', async () => {
    const databases = [await kind.create(), await kind.create()];
    const wrongKey = await startWebhooksTestApp(databases[0], {
      verify: 'signature+fetch',
      omiseApi: { secretKey: 'skey_test_wrong', baseUrl: api.url },
    });
    const closedApi = await startFakeOmiseApi({ secretKey: SECRET_KEY, events: [authentic] });
    await closedApi.close();
    const unreachable = await startWebhooksTestApp(databases[1], {
      verify: 'signature+fetch',
      omiseApi: { secretKey: SECRET_KEY, baseUrl: closedApi.url },
    });
    try {
      for (const app of [wrongKey, unreachable]) {
        const response = await postOmiseEvent(app.app, authentic, { secret: SECRET }).expect(503);
        expect(response.body).toMatchObject({ reason: 'confirmation_unavailable' });
        await expect(countStored(app.dataSource)).resolves.toBe(0);
      }
    } finally {
      await wrongKey.close();
      await unreachable.close();
      await Promise.all(databases.map((database) => database.drop()));
    }
  });
});
