import { type CanActivate, type ExecutionContext, Injectable, Controller, Post, Body, HttpCode } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { isOmiseWebhookRoute, WebhooksAdmin, WebhooksAdminModule } from 'omise-nest-webhooks';
import { postOmiseEvent, signOmiseWebhook } from 'omise-nest-webhooks/testing';
import { expectRefusal, MALFORMED_HEADERS, NOT_AN_EVENT, postHalfBody, signedWith, STALE_TIMESTAMPS, UNSUPPORTED_MEDIA, withDatabaseDown } from './support/intake-cases';
import { eventBody, postChunked } from './support/omise-events';
import { describeOnDatabases, testDatabases } from './support/test-databases';
import { countStored, EmittedEvents, SECOND_SECRET, SECRET, startWebhooksTestApp, useTestDatabase, useWebhooksTestApp } from './support/webhooks-test-app';

/*
 * A host on @nestjs/platform-fastify gets what an Express host gets (test/intake.e2e-spec.ts): the
 * same statuses, reasons, bodies and headers, the exact bytes stored, forged requests answered before
 * Nest's guards, whatever the host's body parsers.
 */

const PATH = '/webhooks/omise';
// Under 64 KiB, the most MySQL's TEXT body column holds.
const MAX_BODY_BYTES = 60 * 1024;
// As text: supertest would re-serialize a Buffer as JSON. The string's UTF-8 bytes are the file's bytes.
const FIXTURE = readFileSync(join(__dirname, 'fixtures/omise/event/omise-ruby__test_fixtures_api.omise.co_events_evnt_test_52cin5n9bb6lytxduh9-get.json'), 'utf8');
const now = () => Math.floor(Date.now() / 1000);
const idOf = (body: string) => (JSON.parse(body) as { id: string }).id;

/** The host's own guard on every route: the webhook route is let through, and every request it sees is counted. */
@Injectable()
class CountingHostGuard implements CanActivate {
  static seen = 0;

  canActivate(context: ExecutionContext): boolean {
    CountingHostGuard.seen += 1;
    return isOmiseWebhookRoute(context);
  }
}

/** A header the host's Fastify hook sets on every reply (as @fastify/helmet does). */
const hostHeaderHook = (app: NestFastifyApplication) =>
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      reply.header('x-host-policy', 'kept');
      done();
    });

describeOnDatabases(['sqlite', 'postgres', 'mariadb'], 'a Fastify host on $name', (kind) => {
  const t = useWebhooksTestApp(kind, () => ({
    httpAdapter: new FastifyAdapter(),
    secrets: [SECRET],
    accounts: [{ name: 'sg', secrets: SECOND_SECRET }],
    mode: 'any',
    maxBodyBytes: MAX_BODY_BYTES,
    providers: [EmittedEvents, { provide: APP_GUARD, useClass: CountingHostGuard }],
    beforeInit: (app) => hostHeaderHook(app as NestFastifyApplication),
  }));

  const post = (body: string, headers: Record<string, string>, path = PATH) => request(t.server).post(path).set(headers).send(body);

  /** Posts and asserts the module's refusal, and that nothing was stored for the event. */
  async function expectRefused(body: string, headers: Record<string, string>, status: number, reason: string, path = PATH) {
    const response = await post(body, headers, path);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    await expectRefusal(response, t.dataSource, body, status, reason);
    return response;
  }

  it('runs on the Fastify platform', () => {
    expect((t.app as NestFastifyApplication).getHttpAdapter().getType()).toBe('fastify');
  });

  it('stores a valid event before the 200, and the worker hands it to the listeners once', async () => {
    const body = eventBody({ key: 'charge.complete' });
    const id = idOf(body);
    const response = await post(body, signOmiseWebhook(body, SECRET));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual({ received: true, id, duplicate: false });
    const rows: Array<{ event_key: string; raw_body: string; account: string }> = await t.dataSource.query(
      `SELECT event_key, raw_body, account FROM omise_webhook_events WHERE event_id = '${id}'`,
    );
    expect(rows).toEqual([{ event_key: 'charge.complete', raw_body: body, account: 'default' }]);
    await expect(t.emitted.emittedOnce(id)).resolves.toMatchObject({ id, key: 'charge.complete', createdAt: expect.any(Date) });
    await t.worker.idle();
    expect(t.emitted.ofId(id)).toHaveLength(1);
    await expect(t.app.get(WebhooksAdmin).find(id)).resolves.toMatchObject({ status: 'processed' });
  });

  it("answers a redelivery 200 as a duplicate with no second emit; the same id at another account's endpoint is another event", async () => {
    const body = eventBody();
    const id = idOf(body);
    await post(body, signOmiseWebhook(body, SECRET)).expect(200, { received: true, id, duplicate: false });
    await post(body, signOmiseWebhook(body, SECRET)).expect(200, { received: true, id, duplicate: true });
    await post(body, signOmiseWebhook(body, SECOND_SECRET), `${PATH}/sg`).expect(200, { received: true, id, duplicate: false });
    const rows: Array<{ account: string }> = await t.dataSource.query(`SELECT account FROM omise_webhook_events WHERE event_id = '${id}' ORDER BY account`);
    expect(rows).toEqual([{ account: 'default' }, { account: 'sg' }]);
    await t.emitted.emittedOnce(id);
    await t.worker.idle();
    expect(t.emitted.ofId(id)).toHaveLength(2);
  });

  it('stores a real Omise payload as its exact pretty-printed bytes', async () => {
    const response = await postOmiseEvent(t.app, FIXTURE, { secret: SECRET });
    expect(response.body).toEqual({ received: true, id: 'evnt_test_52cin5n9bb6lytxduh9', duplicate: false });
    const rows: Array<{ raw_body: string }> = await t.dataSource.query("SELECT raw_body FROM omise_webhook_events WHERE event_id = 'evnt_test_52cin5n9bb6lytxduh9'");
    expect(rows).toEqual([{ raw_body: FIXTURE }]);
  });

  it('refuses a forged request before Nest: the host guard never sees it; a signed one passes through it', async () => {
    const forged = eventBody();
    const before = CountingHostGuard.seen;
    await expectRefused(forged, signOmiseWebhook(forged, 'b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVk'), 401, 'signature_mismatch');
    expect(CountingHostGuard.seen).toBe(before);
    const body = eventBody();
    await post(body, signOmiseWebhook(body, SECRET)).expect(200);
    expect(CountingHostGuard.seen).toBe(before + 1);
  });

  it.each(MALFORMED_HEADERS)('400 for %s', async (_name, patch, reason) => {
    const body = eventBody();
    await expectRefused(body, signedWith(body, SECRET, patch), 400, reason);
  });

  it.each(STALE_TIMESTAMPS)('401 for a timestamp %s', async (_name, offset, reason) => {
    const body = eventBody();
    await expectRefused(body, signOmiseWebhook(body, SECRET, { timestamp: now() + offset }), 401, reason);
  });

  it('401 for the original signature over a re-serialized payload', async () => {
    const reserialized = JSON.stringify({ ...(JSON.parse(FIXTURE) as object), id: 'evnt_test_reserialized_fastify' });
    await expectRefused(reserialized, { ...signOmiseWebhook(FIXTURE, SECRET) }, 401, 'signature_mismatch');
  });

  it.each(NOT_AN_EVENT)('400 for a validly signed body that is %s, in the module shape', async (_name, body, reason) => {
    const before = await countStored(t.dataSource);
    await expectRefused(body, signOmiseWebhook(body, SECRET), 400, reason);
    await expect(countStored(t.dataSource)).resolves.toBe(before);
  });

  it.each(UNSUPPORTED_MEDIA)('415 for a body %s', async (_name, patch) => {
    const body = eventBody();
    await expectRefused(body, signedWith(body, SECRET, patch), 415, 'unsupported_media_type');
  });

  it('413 for a body over maxBodyBytes, declared or sent chunked', async () => {
    const body = eventBody({ padding: 'x'.repeat(MAX_BODY_BYTES) });
    const declared = await expectRefused(body, signOmiseWebhook(body, SECRET), 413, 'payload_too_large');
    expect(declared.headers.connection).toBe('close');
    const chunked = await postChunked(t.server, PATH, body, signOmiseWebhook(body, SECRET));
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ statusCode: 413, reason: 'payload_too_large' });
    await expect(countStored(t.dataSource, idOf(body))).resolves.toBe(0);
  });

  it('503 with Retry-After when the database is unavailable, and the event is not stored', async () => {
    const body = eventBody();
    const id = idOf(body);
    const response = await withDatabaseDown(t.app, t.dataSource, () => post(body, signOmiseWebhook(body, SECRET)));
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toMatchObject({ statusCode: 503, reason: 'store_unavailable' });
    await expect(countStored(t.dataSource, id)).resolves.toBe(0);
  });

  it('keeps the headers the host set on the reply, on refusals answered before Nest and inside it', async () => {
    const body = eventBody();
    const forged = await post(body, signOmiseWebhook(body, SECOND_SECRET));
    expect(forged.status).toBe(401);
    expect(forged.headers['x-host-policy']).toBe('kept');
    const notJson = '{"object": "event"';
    const inside = await post(notJson, signOmiseWebhook(notJson, SECRET));
    expect(inside.status).toBe(400);
    expect(inside.headers['x-host-policy']).toBe('kept');
  });

  describe('accounts at <path>/<name>', () => {
    it("stores a delivery to the account's endpoint, signed with its secret, under its name", async () => {
      const body = eventBody();
      const id = idOf(body);
      const response = await post(body, signOmiseWebhook(body, SECOND_SECRET), `${PATH}/sg`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ received: true, id, duplicate: false });
      const rows: Array<{ account: string; raw_body: string }> = await t.dataSource.query(`SELECT account, raw_body FROM omise_webhook_events WHERE event_id = '${id}'`);
      expect(rows).toEqual([{ account: 'sg', raw_body: body }]);
    });

    it("401 for another account's secret", async () => {
      const body = eventBody();
      await expectRefused(body, signOmiseWebhook(body, SECRET), 401, 'signature_mismatch', `${PATH}/sg`);
    });

    it('404 unknown_account for a name this app does not have', async () => {
      const body = eventBody();
      await expectRefused(body, signOmiseWebhook(body, SECRET), 404, 'unknown_account', `${PATH}/th`);
    });
  });
});

/** A host route with Fastify's own JSON parsing, beside the webhook. */
@Controller('orders')
class OrdersController {
  @Post()
  @HttpCode(200)
  create(@Body() order: { sku?: string }): { sku: string | undefined } {
    return { sku: order.sku };
  }
}

// The module reads its route's body itself: neither the host's rawBody option nor its parsers matter to it.
describe.each(testDatabases().slice(0, 1))('a Fastify host with parsers of its own ($name)', (kind) => {
  describe('created without rawBody, its JSON parser limited to 64 bytes', () => {
    const t = useWebhooksTestApp(kind, () => ({
      httpAdapter: new FastifyAdapter(),
      rawBody: false,
      controllers: [OrdersController],
      beforeInit: (app) =>
        (app as NestFastifyApplication).useBodyParser('application/json', { bodyLimit: 64 }, (_request, body, done) => {
          try {
            done(null, JSON.parse(body.toString()));
          } catch (error) {
            done(error as Error, undefined);
          }
        }),
    }));

    it('stores the exact bytes of a signed delivery all the same, in the module shape', async () => {
      const response = await postOmiseEvent(t.app, FIXTURE, { secret: SECRET });
      expect(response.status).toBe(200);
      const rows: Array<{ raw_body: string }> = await t.dataSource.query('SELECT raw_body FROM omise_webhook_events');
      expect(rows).toEqual([{ raw_body: FIXTURE }]);
    });

    it("leaves the host's own routes to its parser and its limit", async () => {
      await request(t.server).post('/orders').send({ sku: 'tee' }).expect(200, { sku: 'tee' });
      await request(t.server).post('/orders').send({ sku: 'x'.repeat(100) }).expect(413);
      // The module's media type is the module's only on its route.
      await request(t.server).post('/orders').set('Content-Type', 'application/x.omise-nest-webhooks.read').send('{}').expect(415);
    });
  });
});

describe.each(testDatabases().slice(0, 1))('a Fastify host whose hook reads the media type before the body ($name)', (kind) => {
  const mediaTypes: Array<string | undefined> = [];
  const t = useWebhooksTestApp(kind, () => ({
    httpAdapter: new FastifyAdapter(),
    beforeInit: (app) =>
      (app as NestFastifyApplication)
        .getHttpAdapter()
        .getInstance()
        .addHook('onRequest', (request, _reply, done) => {
          // Fastify keeps what it read here, and picks the body parser by it.
          mediaTypes.push(request.mediaType);
          done();
        }),
  }));

  it('has its own JSON parser read the body again, and the delivery is stored as sent', async () => {
    const response = await postOmiseEvent(t.app, FIXTURE, { secret: SECRET });
    expect(response.status).toBe(200);
    expect(mediaTypes).toEqual(['application/json']);
    const rows: Array<{ raw_body: string }> = await t.dataSource.query('SELECT raw_body FROM omise_webhook_events');
    expect(rows).toEqual([{ raw_body: FIXTURE }]);
  });
});

describe.each(testDatabases().slice(0, 1))('a delivery to a Fastify host whose body trickles in ($name)', (kind) => {
  const t = useWebhooksTestApp(kind, () => ({ httpAdapter: new FastifyAdapter(), bodyTimeoutMs: 300 }));

  it('is refused 408 request_timeout once bodyTimeoutMs has passed, and the connection closed', async () => {
    // Half the body, then nothing: the answer comes from the module's deadline, not from the client.
    const answer = await postHalfBody(t.server, PATH, eventBody(), SECRET);
    expect(answer).toMatchObject({ status: 408, connection: 'close' });
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 408, reason: 'request_timeout' });
    await expect(countStored(t.dataSource)).resolves.toBe(0);
  });
});

@Injectable()
class StaffOnly implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

describe.each(testDatabases().slice(0, 1))('the admin page on a Fastify host ($name)', (kind) => {
  const database = useTestDatabase(kind);

  it('refuses to boot, saying it runs on Express only', async () => {
    await expect(
      startWebhooksTestApp(database.db, { httpAdapter: new FastifyAdapter(), imports: [WebhooksAdminModule.forRoot({ guard: StaffOnly })] }),
    ).rejects.toThrow(/WebhooksAdminModule runs on Express hosts only/);
  });
});
