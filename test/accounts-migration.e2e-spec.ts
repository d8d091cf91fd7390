import { DataSource } from 'typeorm';
import { OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS } from 'omise-nest-webhooks';
import { describeOnDatabases } from './support/test-databases';
import { useTestDatabase } from './support/webhooks-test-app';

/**
 * AddAccount1765000000000 on a database that already holds events, handler runs and a replay, as the
 * module before several accounts stored them: every row becomes the default account's, the same id
 * can then be stored under another account, and the schema matches the entities.
 */
describeOnDatabases(['sqlite', 'postgres', 'mariadb'], 'the account migration on $name', (kind) => {
  const database = useTestDatabase(kind);

  it('upgrades a table with events in it: each is the default account’s, and an id may then be stored once per account', async () => {
    const at = OMISE_WEBHOOK_MIGRATIONS.findIndex((migration) => migration.name === 'AddAccount1765000000000');
    const before = await new DataSource({ ...database.db.options, migrations: OMISE_WEBHOOK_MIGRATIONS.slice(0, at) }).initialize();
    const p = (n: number) => (kind.name === 'postgres' ? `$${n}` : '?');
    const params = (count: number) => Array.from({ length: count }, (_, i) => p(i + 1)).join(', ');
    const no = kind.name === 'postgres' ? false : 0;
    try {
      await before.runMigrations();
      for (const id of ['evnt_test_old1', 'evnt_test_old2']) {
        await before.query(
          'INSERT INTO omise_webhook_events (event_id, event_key, livemode, raw_body, received_at, delivery_id, status, attempts, next_attempt_at) ' +
            `VALUES (${params(9)})`,
          [id, 'charge.complete', no, `{"object":"event","id":"${id}"}`, 1767225600000, 'd', 'processed', 1, 1767225600000],
        );
        await before.query(
          `INSERT INTO omise_webhook_handler_runs (event_id, handler, status, attempts, updated_at) VALUES (${params(5)})`,
          [id, 'Orders.markPaid', 'succeeded', 1, 1767225600000],
        );
      }
      await before.query(`INSERT INTO omise_webhook_replays (replay_id, replayed_at, actor, selection, forced, event_count) VALUES (${params(6)})`, [
        'r1',
        1767225600000,
        'cli',
        'event evnt_test_old1',
        no,
        1,
      ]);
      await before.query(`INSERT INTO omise_webhook_replayed_events (replay_id, event_id, status, attempts) VALUES (${params(4)})`, [
        'r1',
        'evnt_test_old1',
        'dead',
        3,
      ]);
    } finally {
      await before.destroy();
    }

    const after = await new DataSource({ ...database.db.options, entities: OMISE_WEBHOOK_ENTITIES, migrations: OMISE_WEBHOOK_MIGRATIONS }).initialize();
    try {
      await after.runMigrations();
      const accountsOf = async (table: string) =>
        (await after.query<Array<{ event_id: string; account: string }>>(`SELECT event_id, account FROM ${table} ORDER BY event_id`)).map((row) => [
          row.event_id,
          row.account,
        ]);
      await expect(accountsOf('omise_webhook_events')).resolves.toEqual([
        ['evnt_test_old1', 'default'],
        ['evnt_test_old2', 'default'],
      ]);
      await expect(accountsOf('omise_webhook_handler_runs')).resolves.toEqual([
        ['evnt_test_old1', 'default'],
        ['evnt_test_old2', 'default'],
      ]);
      await expect(accountsOf('omise_webhook_replayed_events')).resolves.toEqual([['evnt_test_old1', 'default']]);

      // The same id under another account is another event; under the same account it is refused.
      const insert = (account: string) =>
        after.query(
          'INSERT INTO omise_webhook_events (event_id, account, event_key, livemode, raw_body, received_at, delivery_id, status, attempts, next_attempt_at) ' +
            `VALUES (${params(10)})`,
          ['evnt_test_old1', account, 'charge.complete', no, '{}', 1767225600000, 'e', 'pending', 0, 1767225600000],
        );
      await insert('th');
      await expect(insert('th')).rejects.toThrow();
      await expect(insert('default')).rejects.toThrow();

      const diff = await after.driver.createSchemaBuilder().log();
      expect(diff.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
});
