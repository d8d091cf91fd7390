import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { WebhooksAdmin } from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent, waitForOmiseEvents } from 'omise-nest-webhooks/testing';
import request from 'supertest';
import { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { AppModule } from './../src/app.module';

// Put into test/consumers/existing-app by test/consumers/run after nest add and the README's /metrics
// controller, app-wide guard and admin guard: what a host relies on beyond the generated test.
describe('omise-nest-webhooks in an app with its own setup (e2e)', () => {
  let app: INestApplication<App>;
  const key = { 'x-api-key': process.env.API_KEY ?? '' };

  beforeAll(async () => {
    const moduleFixture = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleFixture.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers a redelivery as a duplicate and runs the listener once', async () => {
    const event = buildOmiseEvent('charge.complete');
    const first = await postOmiseEvent(app, event).expect(200);
    const again = await postOmiseEvent(app, event).expect(200);
    await waitForOmiseEvents(app, event.id);

    expect(first.body).toEqual({ received: true, id: event.id, duplicate: false });
    expect(again.body).toEqual({ received: true, id: event.id, duplicate: true });
    await expect(app.get(WebhooksAdmin).find(event.id)).resolves.toMatchObject({
      status: 'processed',
      handlerRuns: [{ handler: 'OmiseEventsService.handleChargeComplete', status: 'succeeded', attempts: 1 }],
    });
  });

  it("refuses a forged delivery, while the app's own routes still want the API key", async () => {
    const forged = Buffer.from('not the secret').toString('base64');
    const refused = await postOmiseEvent(app, buildOmiseEvent('charge.complete'), { secret: forged }).expect(401);
    expect(refused.body).toMatchObject({ reason: 'signature_mismatch' });
    await request(app.getHttpServer()).get('/').expect(403);
    await request(app.getHttpServer()).get('/').set(key).expect(200);
  });

  it("has the module's tables as its entities: TypeORM finds nothing of them to change after the migrations", async () => {
    const log = await app.get(DataSource).driver.createSchemaBuilder().log();
    expect(log.upQueries.map((query) => query.query).filter((sql) => sql.includes('omise_webhook'))).toEqual([]);
  });

  it("serves the module's metrics at /metrics (the README's controller), behind the API key", async () => {
    await request(app.getHttpServer()).get('/metrics').expect(403);
    const metrics = await request(app.getHttpServer()).get('/metrics').set(key).expect(200);
    expect(metrics.text).toContain('omise_webhooks_deliveries_total{outcome="stored"');
  });

  it("lets the admin API past the app-wide API-key guard to the admin's own guard (the README's guards)", async () => {
    const refused = await request(app.getHttpServer()).get('/admin/webhooks/events').expect(401);
    expect(refused.body).toMatchObject({ message: 'the admin API wants Authorization: Bearer <ADMIN_TOKEN>' });
    const listed = await request(app.getHttpServer())
      .get('/admin/webhooks/events?key=charge.*')
      .set('Authorization', `Bearer ${process.env.ADMIN_TOKEN}`)
      .expect(200);
    expect(listed.body).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'charge.complete' })]));
  });
});
