import { Injectable } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import { connect, type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
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

/** One request written byte for byte (an absolute-form target, which HTTP clients do not send), and the whole answer. */
function rawRequest(server: Server, text: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    // Written, not ended: a client that half-closes first may get no answer. `Connection: close` ends it.
    const socket = connect(port, '127.0.0.1', () => socket.write(text.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n')));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

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
    const replay = await request(t.server)
      .post('/admin/webhooks/replay')
      .set('Authorization', basic('alice', TOKEN))
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ status: 'dead' })
      .expect(200);
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

  it('refuses a change that does not show it comes from the admin page: a foreign Referer, Origin null, same-site, none of them (issue 16)', async () => {
    const signedIn = (path: string) => request(t.server).post(path).set('Authorization', basic('alice', TOKEN)).type('form');
    // Issue 16: this form, with Basic credentials a browser had cached, answered 200 {"requeued":1}.
    const issue = await signedIn('/admin/webhooks/replay').set('Referer', 'https://evil.example/pay-now').send({ status: 'dead' }).expect(403);
    expect(issue.body.message).toContain('it came from another site');
    const silent = await signedIn('/admin/webhooks/dead-letters/replay').send({}).expect(403);
    expect(silent.text).toContain('does not say where it comes from');
    await signedIn('/admin/webhooks/dead-letters/replay').set('Origin', 'null').send({}).expect(403);
    await signedIn('/admin/webhooks/dead-letters/replay').set('Sec-Fetch-Site', 'same-site').send({}).expect(403);
    await signedIn('/admin/webhooks/dead-letters/replay').set('Sec-Fetch-Site', 'none').send({}).expect(403);
    // Sec-Fetch-Site decides when present: a proxy that rewrote Host does not matter then.
    await signedIn('/admin/webhooks/dead-letters/replay').set('Sec-Fetch-Site', 'same-origin').set('Origin', 'http://internal:8080').send({}).expect(303);
  });

  it('takes a change from the admin page by Origin or Referer when the browser sends no Sec-Fetch-Site, and from a script with a bearer token', async () => {
    const here = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
    const form = (origin: Record<string, string>) =>
      request(t.server).post('/admin/webhooks/dead-letters/replay').set('Authorization', basic('alice', TOKEN)).set(origin).type('form').send({});
    await form({ Origin: here }).expect(303);
    await form({ Referer: `${here}/admin/webhooks/dead-letters/replay` }).expect(303);
    await form({ Referer: `http://127.0.0.1.evil.example/admin/webhooks` }).expect(403);
    await request(t.server).post('/admin/webhooks/replay').set(admin()).send({ status: 'dead' }).expect(200);
  });

  it('takes JSON on the API and forms on the page, nothing else (a cross-site form cannot post JSON)', async () => {
    const sameOrigin = { 'Sec-Fetch-Site': 'same-origin' };
    const asForm = await request(t.server).post('/admin/webhooks/replay').set(admin()).type('form').send({ status: 'dead' }).expect(415);
    expect(asForm.body.message).toContain('application/json');
    await request(t.server).post('/admin/webhooks/replay').set(admin()).set('Content-Type', 'text/plain').send('{"status":"dead"}').expect(415);
    await request(t.server).post('/admin/webhooks/replay').set(admin()).set('Content-Type', 'application/json; charset=latin1').send('{"status":"dead"}').expect(415);
    const asJson = await request(t.server).post('/admin/webhooks/dead-letters/replay').set('Authorization', basic('alice', TOKEN)).set(sameOrigin).send({}).expect(415);
    expect(asJson.text).toContain('application/x-www-form-urlencoded');
    await request(t.server).post('/admin/webhooks/dead-letters/replay').set('Authorization', basic('alice', TOKEN)).set(sameOrigin).type('form').send({}).expect(303);
    const large = await request(t.server).post('/admin/webhooks/replay').set(admin()).send({ status: 'dead', key: 'x'.repeat(10_000) }).expect(413);
    expect(large.body.message).toContain('larger than 8192 bytes');
    const notJson = await request(t.server).post('/admin/webhooks/replay').set(admin()).set('Content-Type', 'application/json').send('{"status":').expect(400);
    expect(notJson.body.message).toContain('The body is not JSON');
  });

  it('builds links and redirects from the path, never from the host the request names (an absolute-form target)', async () => {
    for (const event of [buildOmiseEvent('charge.create'), buildOmiseEvent('charge.create')]) await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    const page = await rawRequest(t.server, `GET http://evil.example/admin/webhooks HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    expect(page).toMatch(/^HTTP\/1\.1 200 /);
    expect(page).not.toContain('evil.example');
    expect(page).toContain('href="/admin/webhooks/dead-letters"');
    const form = 'q=evnt_test_none';
    const replayed = await rawRequest(
      t.server,
      `POST http://evil.example/admin/webhooks/dead-letters/replay HTTP/1.1\r\nHost: evil.example\r\nAuthorization: ${basic('alice', TOKEN)}\r\n` +
        `Sec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}`,
    );
    expect(replayed).toMatch(/^HTTP\/1\.1 303 /);
    expect(replayed).toMatch(/\r\nLocation: \/admin\/webhooks\/dead-letters\?q=evnt_test_none&replayed=0\r\n/i);
    const list = await rawRequest(t.server, `GET http://evil.example/admin/webhooks/events?limit=1 HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    expect(list).toMatch(/\r\nLink: <\/admin\/webhooks\/events\?before=[^>]+>; rel="next"\r\n/i);
  });

  it('says Cache-Control: no-store on every admin response, refusals included', async () => {
    const [event] = (await request(t.server).get('/admin/webhooks/events?limit=1').set(admin()).expect(200)).body as Array<{ eventId: string }>;
    const responses = [
      await request(t.server).get('/admin/webhooks').set(admin()).expect(200),
      await request(t.server).get('/admin/webhooks/events').set(admin()).expect(200),
      await request(t.server).get(`/admin/webhooks/events/${event.eventId}`).set(admin()).expect(200),
      await request(t.server).get('/admin/webhooks/events/evnt_test_nothere').set(admin()).expect(404),
      await request(t.server).get('/admin/webhooks/events?limit=0').set(admin()).expect(400),
      await request(t.server).get('/admin/webhooks/events').expect(401),
      await request(t.server).post('/admin/webhooks/replay').set('Authorization', basic('a', TOKEN)).type('form').send({}).expect(403),
      await request(t.server).post('/admin/webhooks/replay').set(admin()).type('form').send({}).expect(415),
      await request(t.server).post('/admin/webhooks/dead-letters/replay').set(admin()).type('form').send({}).expect(303),
      await request(t.server).get('/admin/webhooks/no-such-page').set(admin()).expect(404),
    ];
    for (const response of responses) expect([response.status, response.headers['cache-control']]).toEqual([response.status, 'no-store']);
  });

  it.each([
    ['trailing text after the token', `Bearer ${TOKEN} junk`],
    ['a second token', `Bearer ${TOKEN},${TOKEN}`],
    ['Basic credentials with text after them', `${basic('alice', TOKEN)} junk`],
    ['Basic credentials that are not base64', `Basic ${Buffer.from(`alice:${TOKEN}`).toString('base64')}!`],
    ['a scheme alone', 'Bearer'],
  ])('refuses an Authorization header with %s (the demo reads it strictly)', async (_name, authorization) => {
    await request(t.server).get('/admin/webhooks/events').set('Authorization', authorization).expect(401);
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
