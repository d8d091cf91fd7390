import { buildOmiseEvent, postOmiseEvent } from 'omise-nest-webhooks/testing';
import { DataSource } from 'typeorm';
import { HandlerRunEntity, OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS, WebhookEventEntity } from 'omise-nest-webhooks';
import { describeOnDatabases, type TestDatabase } from './support/test-databases';
import { SECRET, startWebhooksTestApp } from './support/webhooks-test-app';

/*
 * The entities are the schema: after the module's migrations, TypeORM finds nothing to change, so
 * `migration:generate` in a host app writes nothing for the module's tables; and a host that lets
 * TypeORM synchronize its schema (development) gets tables the module works with.
 */
describeOnDatabases(['sqlite', 'postgres', 'mariadb'], 'the module schema on $name', (kind) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await kind.create();
  });
  afterEach(() => db.drop());

  it("after the migrations, TypeORM's schema diff against the entities is empty", async () => {
    const dataSource = await new DataSource({ ...db.options, entities: OMISE_WEBHOOK_ENTITIES, migrations: OMISE_WEBHOOK_MIGRATIONS }).initialize();
    try {
      await dataSource.runMigrations();
      const names = ['omise_webhook_events', 'omise_webhook_handler_runs', 'omise_webhook_replayed_events', 'omise_webhook_replayed_runs', 'omise_webhook_replays'];
      const tables = await dataSource.createQueryRunner().getTables(names);
      expect(tables.map((table) => table.name.replace(/^.*\./, '')).sort()).toEqual(names);

      const diff = await dataSource.driver.createSchemaBuilder().log();

      expect(diff.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('a host on synchronize: true gets tables the module stores, dispatches and records handler runs in', async () => {
    const app = await startWebhooksTestApp(db, { schema: 'synchronize' });
    try {
      const event = buildOmiseEvent('charge.complete');
      await postOmiseEvent(app.app, event, { secret: SECRET }).expect(200);
      await app.emitted.emittedOnce(event.id);
      await app.worker.idle();

      await expect(app.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ eventId: event.id })).resolves.toMatchObject({
        status: 'processed',
        attempts: 1,
      });
      await expect(app.dataSource.getRepository(HandlerRunEntity).findBy({ eventId: event.id })).resolves.toEqual([
        expect.objectContaining({ handler: 'EmittedEvents.record', status: 'succeeded', attempts: 1 }),
      ]);
    } finally {
      await app.close();
    }
  });
});
