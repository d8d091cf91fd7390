import { type MigrationInterface, type QueryRunner, Table, type TableColumnOptions, TableIndex } from 'typeorm';

/**
 * The module's tables, written with TypeORM's schema API and each column type normalized by the
 * database's driver, as TypeORM's own schema sync does (MySQL turns `boolean` into `tinyint`): so
 * after this migration TypeORM's schema diff against the entities (WebhookEventEntity,
 * HandlerRunEntity) is empty on every database, and `migration:generate` in a host app writes
 * nothing for these tables. test/schema.e2e-spec.ts holds them to that.
 */
export class CreateOmiseWebhookTables1764600000000 implements MigrationInterface {
  name = 'CreateOmiseWebhookTables1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.driver;
    const columns = (list: TableColumnOptions[]): TableColumnOptions[] =>
      list.map((column) => ({ ...column, type: driver.normalizeType({ type: column.type }) }));
    await queryRunner.createTable(
      new Table({
        name: 'omise_webhook_events',
        columns: columns([
          { name: 'event_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'event_key', type: 'varchar', length: '100' },
          { name: 'livemode', type: 'boolean' },
          { name: 'raw_body', type: 'text' },
          { name: 'received_at', type: 'bigint' },
          { name: 'delivery_id', type: 'varchar', length: '36' },
          { name: 'status', type: 'varchar', length: '16', default: "'pending'" },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'next_attempt_at', type: 'bigint' },
          { name: 'locked_until', type: 'bigint', isNullable: true },
          { name: 'locked_by', type: 'varchar', length: '64', isNullable: true },
          { name: 'last_error', type: 'text', isNullable: true },
          { name: 'processed_at', type: 'bigint', isNullable: true },
        ]),
        indices: [
          new TableIndex({ name: 'omise_webhook_events_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'omise_webhook_events_lease', columnNames: ['status', 'locked_until'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'omise_webhook_handler_runs',
        columns: columns([
          { name: 'event_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'handler', type: 'varchar', length: '200', isPrimary: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'last_error', type: 'text', isNullable: true },
          { name: 'updated_at', type: 'bigint' },
        ]),
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('omise_webhook_handler_runs');
    await queryRunner.dropTable('omise_webhook_events');
  }
}
