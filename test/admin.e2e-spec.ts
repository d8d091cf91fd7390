import { Injectable } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import request from 'supertest';
import { AdminModule } from '../demo/admin/admin.module';
import { buildOmiseEvent, postOmiseEvent } from 'omise-nest-webhooks/testing';
import { testDatabases, type TestDatabase } from './support/test-databases';
import { SECRET, startWebhooksTestApp, type WebhooksTestApp } from './support/webhooks-test-app';

const TOKEN = 'test-admin-token';

/** Fails until fixed, like a handler waiting for a deploy. */
@Injectable()
class RefundMailer {
  fixed = false;
  calls = 0;
  @OnEvent('refund.create')
  send(): void {
    this.calls += 1;
    if (!this.fixed) throw new Error('mail server down');
  }
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

  it('refuses requests without the token', async () => {
    await request(t.server).get('/admin/webhooks/events').expect(401);
    await request(t.server).get('/admin/webhooks/events').set('Authorization', 'Bearer wrong').expect(401);
  });

  it('matches key patterns with * only: the _ of linked_account is literal', async () => {
    const linked = buildOmiseEvent('linked_account.create');
    const lookalike = { ...buildOmiseEvent('linked_account.create'), key: 'linked-account.create' };
    for (const event of [linked, lookalike]) await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    const listed = await request(t.server).get('/admin/webhooks/events?key=linked_account.*').set(admin()).expect(200);
    expect((listed.body as Array<{ eventId: string }>).map((row) => row.eventId)).toEqual([linked.id]);
  });

  it('lists a dead event, replays it after the fix, and shows it processed', async () => {
    const event = buildOmiseEvent('refund.create');
    await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    await t.worker.idle();

    const dead = await request(t.server).get('/admin/webhooks/events?status=dead&key=refund.*').set(admin()).expect(200);
    expect(dead.body).toEqual([
      expect.objectContaining({ eventId: event.id, key: 'refund.create', status: 'dead', lastError: expect.stringContaining('mail server down') }),
    ]);
    expect(JSON.stringify(dead.body)).not.toContain('rawBody');

    t.app.get(RefundMailer).fixed = true;
    const replay = await request(t.server).post('/admin/webhooks/replay').set(admin()).send({ status: 'dead' }).expect(200);
    expect(replay.body).toEqual({ requeued: 1 });
    await t.worker.idle();
    const after = await request(t.server).get(`/admin/webhooks/events?key=refund.create`).set(admin()).expect(200);
    expect(after.body).toEqual([expect.objectContaining({ eventId: event.id, status: 'processed' })]);
    expect(t.app.get(RefundMailer).calls).toBe(2);
  });

  it.each([
    ['two ways at once', { eventId: 'evnt_test_x', status: 'dead' }],
    ['no way at all', {}],
    ['an unknown field', { status: 'dead', everything: true }],
    ['a bad time', { since: 'yesterday' }],
  ])('answers 400 to a replay with %s', async (_name, payload) => {
    await request(t.server).post('/admin/webhooks/replay').set(admin()).send(payload).expect(400);
  });
});
