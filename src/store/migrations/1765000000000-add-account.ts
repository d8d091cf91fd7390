import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** The tables that hold an event's id. */
const KEYED = ['omise_webhook_events', 'omise_webhook_handler_runs', 'omise_webhook_replayed_events', 'omise_webhook_replayed_runs'] as const;

/**
 * Several Omise accounts in one app: the account an event came for (`default` for every row stored
 * so far: the endpoint at `path`), in each table that holds an event, and in its primary key, so the
 * same event id under two accounts is two events and under one account one. The key keeps
 * `event_id` ahead of `account`: a search by id alone (the admin's, reconciliation's) is still a
 * range of it.
 *
 * The key grows through TypeORM's own `changeColumn` (on SQLite that copies the table), and the
 * column is typed by the driver, as in the first migration, so the schema diff against the entities
 * stays empty on every database.
 */
export class AddAccount1765000000000 implements MigrationInterface {
  name = 'AddAccount1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const type = queryRunner.connection.driver.normalizeType({ type: 'varchar' });
    for (const table of KEYED) {
      await queryRunner.addColumn(table, new TableColumn({ name: 'account', type, length: '32', default: "'default'" }));
      await this.accountInKey(queryRunner, table, true);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Back to one event per id: fails if some id is stored under two accounts (as it should).
    for (const table of [...KEYED].reverse()) {
      await this.accountInKey(queryRunner, table, false);
      await queryRunner.dropColumn(table, 'account');
    }
  }

  private async accountInKey(queryRunner: QueryRunner, name: string, primary: boolean): Promise<void> {
    const table = await queryRunner.getTable(name);
    const column = table?.findColumnByName('account');
    if (!table || !column) throw new Error(`AddAccount: no column ${name}.account`);
    const changed = column.clone();
    changed.isPrimary = primary;
    await queryRunner.changeColumn(table, column, changed);
  }
}
