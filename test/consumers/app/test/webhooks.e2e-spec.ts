import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DispatchWorker, type WebhookAck } from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent } from 'omise-nest-webhooks/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { PaidOrdersListener } from '../src/orders/paid-orders.listener.js';

// The installed package, in a host app: the module, its kit and its schema on a real PostgreSQL.
const secret = process.env.OMISE_WEBHOOK_SECRET ?? '';
let app: INestApplication;

before(async () => {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = moduleRef.createNestApplication();
  await app.init();
});

after(async () => {
  await app.close();
});

test('a signed charge.complete reaches the listener once; its redelivery is answered as a duplicate', async () => {
  const event = buildOmiseEvent('charge.complete', { data: { metadata: { order_id: 'A-17' } } });

  const first = await postOmiseEvent(app, event, { secret }).expect(200);
  const again = await postOmiseEvent(app, event, { secret }).expect(200);
  await app.get(DispatchWorker).idle();

  assert.deepEqual(first.body as WebhookAck, { received: true, id: event.id, duplicate: false });
  assert.deepEqual(again.body as WebhookAck, { received: true, id: event.id, duplicate: true });
  assert.deepEqual(app.get(PaidOrdersListener).paid, ['A-17']);
});

test('a forged delivery is refused, and the host guard still guards the other routes', async () => {
  const event = buildOmiseEvent('charge.complete');
  const forged = await postOmiseEvent(app, event, { secret: Buffer.from('not the secret').toString('base64') }).expect(401);
  assert.equal((forged.body as { reason: string }).reason, 'signature_mismatch');
  await request(app.getHttpServer()).get('/orders/paid').expect(403);
  await request(app.getHttpServer()).get('/orders/paid').set('x-api-key', process.env.API_KEY ?? '').expect(200);
});

test("the module's tables are its entities: TypeORM finds nothing to change after the migrations", async () => {
  const log = await app.get(DataSource).driver.createSchemaBuilder().log();
  assert.deepEqual(log.upQueries.map((query) => query.query), []);
});
