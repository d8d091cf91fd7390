import { DataSource } from 'typeorm';
import { OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS } from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent } from 'omise-nest-webhooks/testing';
import { describeOnDatabases, type TestDatabase } from './support/test-databases';
import { SECRET, startWebhooksTestApp } from './support/webhooks-test-app';

/** A row as the first version of the module stored it: no object_id column yet. */
function storedBefore(eventId: string, data: unknown, livemode: boolean | number): unknown[] {
  const body = JSON.stringify({ object: 'event', id: eventId, key: 'charge.create', livemode: false, created_at: '2026-01-01T00:00:00Z', data });
  return [eventId, 'charge.create', livemode, body, 1767225600000, 'd', 'pending', 0, 1767225600000];
}

describeOnDatabases(['sqlite', 'postgres', 'mariadb'], 'object_id on $name', (kind) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await kind.create();
  });
  afterEach(() => db.drop());

  it('the migration fills object_id from data.id of the rows already stored, with intake’s rule', async () => {
    // The schema as it was before this migration: every earlier one ran.
    const at = OMISE_WEBHOOK_MIGRATIONS.findIndex((migration) => migration.name === 'AddObjectIdAndReplayHistory1764900000000');
    const earlier = OMISE_WEBHOOK_MIGRATIONS.slice(0, at);
    const before = await new DataSource({ ...db.options, migrations: earlier }).initialize();
    const cases: Array<[string, unknown, string | null]> = [
      ['evnt_test_a', { object: 'charge', id: 'chrg_test_5xyz' }, 'chrg_test_5xyz'],
      ['evnt_test_b', { object: 'charge', id: 42 }, null],
      ['evnt_test_c', { object: 'charge', id: 'x'.repeat(65) }, null],
      ['evnt_test_d', { object: 'charge', id: 'chrg_é' }, null],
      ['evnt_test_e', { object: 'charge' }, null],
      ['evnt_test_f', { object: 'charge', id: '' }, null],
      ['evnt_test_g', { object: 'charge', id: 'y'.repeat(64) }, 'y'.repeat(64)],
    ];
    try {
      await before.runMigrations();
      const p = kind.name === 'postgres' ? (n: number) => `$${n}` : () => '?';
      for (const [id, data] of cases) {
        await before.query(
          'INSERT INTO omise_webhook_events (event_id, event_key, livemode, raw_body, received_at, delivery_id, status, attempts, next_attempt_at) ' +
            `VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9].map(p).join(', ')})`,
          storedBefore(id, data, kind.name === 'postgres' ? false : 0),
        );
      }
    } finally {
      await before.destroy();
    }

    const after = await new DataSource({ ...db.options, entities: OMISE_WEBHOOK_ENTITIES, migrations: OMISE_WEBHOOK_MIGRATIONS }).initialize();
    try {
      await after.runMigrations();
      const rows: Array<{ event_id: string; object_id: string | null }> = await after.query(
        'SELECT event_id, object_id FROM omise_webhook_events ORDER BY event_id',
      );
      expect(rows.map((row) => [row.event_id, row.object_id])).toEqual(cases.map(([id, , objectId]) => [id, objectId]));

      // And down again (with the ones after it), then up: the migration is reversible.
      for (let undo = at; undo < OMISE_WEBHOOK_MIGRATIONS.length; undo++) await after.undoLastMigration();
      await after.runMigrations();
      const diff = await after.driver.createSchemaBuilder().log();
      expect(diff.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await after.destroy();
    }
  });

  it('intake fills object_id with data.id when it is a short printable string', async () => {
    const app = await startWebhooksTestApp(db, { dispatch: { enabled: false } });
    try {
      const charge = buildOmiseEvent('charge.complete', { data: { id: 'chrg_test_intake1' } });
      const odd = buildOmiseEvent('charge.complete', { data: { id: 'chrg_\u00e9t\u00e9' } });
      for (const event of [charge, odd]) await postOmiseEvent(app.app, event, { secret: SECRET }).expect(200);
      const rows: Array<{ event_id: string; object_id: string | null }> = await app.dataSource.query(
        'SELECT event_id, object_id FROM omise_webhook_events',
      );
      const byId = new Map(rows.map((row) => [row.event_id, row.object_id]));
      expect(byId.get(charge.id)).toBe('chrg_test_intake1');
      expect(byId.get(odd.id)).toBeNull();
    } finally {
      await app.close();
    }
  });
});
