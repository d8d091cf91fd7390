import { Injectable } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import request from 'supertest';
import { WebhooksAdmin } from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent } from 'omise-nest-webhooks/testing';
import { AdminModule } from '../demo/admin/admin.module';
import { testDatabases, type TestDatabase } from './support/test-databases';
import { SECRET, startWebhooksTestApp, type WebhooksTestApp } from './support/webhooks-test-app';

const TOKEN = 'test-admin-token';

/** Fails until fixed, like a handler waiting for a deploy; its error echoes card data and a key. */
@Injectable()
class RefundMailer {
  fixed = false;
  calls = 0;
  @OnEvent('refund.create')
  send(): void {
    this.calls += 1;
    if (!this.fixed) throw new Error('mail server down (card 4242424242424242, skey_test_5leaked)');
  }
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.each(testDatabases())('admin API on $name', (kind) => {
  let db: TestDatabase;
  let t: WebhooksTestApp;

  beforeAll(async () => {
    db = await kind.create();
    t = await startWebhooksTestApp(db, {
      providers: [RefundMailer],
      imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ ADMIN_TOKEN: TOKEN })] }), AdminModule],
      dispatch: { retry: { maxAttempts: 1 } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const admin = () => ({ Authorization: `Bearer ${TOKEN}` });

  it('refuses requests without the token, asking a browser for Basic credentials', async () => {
    for (const path of ['/admin/webhooks', '/admin/webhooks/events', '/admin/webhooks/dead-letters', '/admin/webhooks/event/evnt_test_x']) {
      const refused = await request(t.server).get(path).expect(401);
      expect(refused.headers['www-authenticate']).toMatch(/^Basic realm="/);
    }
    await request(t.server).get('/admin/webhooks/events').set('Authorization', 'Bearer wrong').expect(401);
    await request(t.server).get('/admin/webhooks/events').set('Authorization', basic('alice', 'wrong')).expect(401);
    await request(t.server).post('/admin/webhooks/replay').send({ status: 'dead' }).expect(401);
    await request(t.server).post('/admin/webhooks/event/evnt_test_x/replay').type('form').send({}).expect(401);
  });

  it('takes HTTP Basic with the token as password (any user name) as well as the bearer header', async () => {
    const page = await request(t.server).get('/admin/webhooks').set('Authorization', basic('alice', TOKEN)).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    await request(t.server).get('/admin/webhooks/events').set('Authorization', basic('', TOKEN)).expect(200);
  });

  it('matches key patterns with * only: the _ of linked_account is literal', async () => {
    const linked = buildOmiseEvent('linked_account.create');
    const lookalike = { ...buildOmiseEvent('linked_account.create'), key: 'linked-account.create' };
    for (const event of [linked, lookalike]) await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    const listed = await request(t.server).get('/admin/webhooks/events?key=linked_account.*').set(admin()).expect(200);
    expect((listed.body as Array<{ eventId: string }>).map((row) => row.eventId)).toEqual([linked.id]);
  });

  it('lists a dead event, replays it after the fix, shows it processed, and keeps what it went through', async () => {
    const event = buildOmiseEvent('refund.create');
    await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    await t.worker.idle();

    const dead = await request(t.server).get('/admin/webhooks/events?status=dead&key=refund.*').set(admin()).expect(200);
    expect(dead.body).toEqual([
      expect.objectContaining({ eventId: event.id, key: 'refund.create', status: 'dead', lastError: expect.stringContaining('mail server down') }),
    ]);
    expect(JSON.stringify(dead.body)).not.toContain('rawBody');
    // The handler's message had card data and a secret key in it: masked on the way out.
    expect(JSON.stringify(dead.body)).not.toContain('4242424242424242');
    expect(JSON.stringify(dead.body)).not.toContain('skey_test_5leaked');

    t.app.get(RefundMailer).fixed = true;
    const replay = await request(t.server).post('/admin/webhooks/replay').set('Authorization', basic('alice', TOKEN)).send({ status: 'dead' }).expect(200);
    expect(replay.body).toEqual({ requeued: 1 });
    await t.worker.idle();
    const after = await request(t.server).get(`/admin/webhooks/events/${event.id}`).set(admin()).expect(200);
    expect(after.body).toMatchObject({ eventId: event.id, status: 'processed', attempts: 1, lastError: null });
    expect(after.body.replays).toEqual([
      expect.objectContaining({
        actor: 'alice',
        filter: 'status=dead',
        forced: false,
        before: expect.objectContaining({ status: 'dead', attempts: 1, lastError: expect.stringContaining('mail server down (card ••••••••••••4242') }),
        handlerRuns: [expect.objectContaining({ handler: 'RefundMailer.send', status: 'failed', attempts: 1 })],
      }),
    ]);
    expect(after.body.handlerRuns).toEqual([expect.objectContaining({ handler: 'RefundMailer.send', status: 'succeeded', attempts: 2 })]);
    expect(t.app.get(RefundMailer).calls).toBe(2);
  });

  it('finds the events of an object by its id, and pages newest first with a Link to the next page', async () => {
    const chargeId = `chrg_test_${kind.name}page`;
    const events = ['charge.create', 'charge.update', 'charge.complete'].map((key) =>
      buildOmiseEvent(key as 'charge.create', { data: { id: chargeId } }),
    );
    for (const event of events) await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    await t.worker.idle();

    const seen: string[] = [];
    let url: string | undefined = `/admin/webhooks/events?q=${chargeId}&limit=2`;
    while (url) {
      const page = await request(t.server).get(url).set(admin()).expect(200);
      seen.push(...(page.body as Array<{ eventId: string; objectId: string }>).map((row) => row.eventId));
      const link = /^<([^>]+)>; rel="next"$/.exec(page.headers.link ?? '');
      url = link?.[1];
    }
    expect(seen).toEqual([...events].reverse().map((event) => event.id));
    const byEventId = await request(t.server).get(`/admin/webhooks/events?q=${events[0].id}`).set(admin()).expect(200);
    expect(byEventId.body).toEqual([expect.objectContaining({ eventId: events[0].id, objectId: chargeId })]);
  });

  it('refuses a change from another site (a signed-in browser sends Basic credentials by itself)', async () => {
    const crossSite = await request(t.server)
      .post('/admin/webhooks/replay')
      .set('Authorization', basic('alice', TOKEN))
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      .send({ status: 'dead' })
      .expect(403);
    expect(crossSite.body.message).toContain('cross-site');
    await request(t.server)
      .post('/admin/webhooks/dead-letters/replay')
      .set('Authorization', basic('alice', TOKEN))
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({})
      .expect(403);
    await request(t.server).post('/admin/webhooks/replay').set(admin()).set('Sec-Fetch-Site', 'same-origin').send({ status: 'dead' }).expect(200);
  });

  it.each([
    ['two ways at once', { eventId: 'evnt_test_x', status: 'dead' }],
    ['no way at all', {}],
    ['an unknown field', { status: 'dead', everything: true }],
    ['a bad time', { since: 'yesterday' }],
    ['a malformed id', { eventId: "evnt_1' OR '1'='1" }],
    ['force that is not a boolean', { status: 'dead', force: 'yes' }],
    ['a status other than dead', { status: 'processed' }],
  ])('answers 400 with a message to a replay with %s', async (_name, payload) => {
    const refused = await request(t.server).post('/admin/webhooks/replay').set(admin()).send(payload).expect(400);
    expect(refused.body.message).toEqual(expect.any(String));
  });

  it.each([
    ['an unknown status', '/admin/webhooks/events?status=lost', 'status must be one of'],
    ['a limit over the maximum', '/admin/webhooks/events?limit=1000000', 'limit must be a whole number from 1 to 1000'],
    ['a limit that is not a number', '/admin/webhooks/events?limit=ten', 'limit must be'],
    ['SQL in the search', `/admin/webhooks/events?q=${encodeURIComponent("chrg_1' OR 1=1 --")}`, 'q (an event id or object id) must be an Omise id'],
    ['a forged cursor', '/admin/webhooks/events?before=bm90LWEtY3Vyc29y', 'before must be a cursor'],
    ['an unknown parameter', '/admin/webhooks/events?sort=asc', 'unknown parameter'],
    ['a repeated parameter', '/admin/webhooks/events?status=dead&status=failed', 'status must be given once'],
    ['a malformed event id', `/admin/webhooks/events/${encodeURIComponent('evnt <script>')}`, 'event id must be an Omise id'],
    ['a bad time on the page', '/admin/webhooks?since=2026-13-45', 'since'],
    ['an unknown status on the page', '/admin/webhooks?status=lost', 'status must be one of'],
    ['SQL in the page search', `/admin/webhooks?q=${encodeURIComponent("x' UNION SELECT raw_body FROM omise_webhook_events --")}`, 'q (an event id'],
    ['a malformed id on the event page', `/admin/webhooks/event/${'e'.repeat(65)}`, 'event id must be an Omise id'],
  ])('answers 400 with a message to %s', async (_name, path, message) => {
    const refused = await request(t.server).get(path).set(admin()).expect(400);
    expect(refused.text).toContain(message);
  });

  it('answers 404 for an event it does not have, on the page and in the API', async () => {
    await request(t.server).get('/admin/webhooks/events/evnt_test_nothere').set(admin()).expect(404);
    const page = await request(t.server).get('/admin/webhooks/event/evnt_test_nothere').set(admin()).expect(404);
    expect(page.text).toContain('No stored event evnt_test_nothere');
  });

  it('counts by status and previews how many a replay would touch', async () => {
    const service = t.app.get(WebhooksAdmin);
    const counts = await service.counts();
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    const rows: Array<{ n: number | string }> = await t.dataSource.query('SELECT COUNT(*) AS n FROM omise_webhook_events');
    expect(total).toBe(Number(rows[0].n));
    await expect(service.replayCount({ status: 'dead' })).resolves.toBe(counts.dead);
    await expect(service.replayCount({ status: 'processed' })).resolves.toBe(0); // finished: only with force
    await expect(service.replayCount({ status: 'processed' }, { force: true })).resolves.toBe(counts.processed);
  });
});

describe('admin without ADMIN_TOKEN', () => {
  let db: TestDatabase;
  let t: WebhooksTestApp;

  beforeAll(async () => {
    db = await testDatabases()[0].create();
    t = await startWebhooksTestApp(db, {
      imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({})] }), AdminModule],
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('is closed: 403 whatever is sent', async () => {
    await request(t.server).get('/admin/webhooks').expect(403);
    await request(t.server).get('/admin/webhooks/events').set('Authorization', 'Bearer ').expect(403);
    await request(t.server).post('/admin/webhooks/replay').set('Authorization', basic('a', '')).send({ status: 'dead' }).expect(403);
  });
});
