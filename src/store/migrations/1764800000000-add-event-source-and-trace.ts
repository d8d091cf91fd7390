import { type MigrationInterface, type QueryRunner, TableColumn, type TableColumnOptions } from 'typeorm';

/**
 * Where a stored event came from (`source`: a signed delivery, or reconciliation with the Events API)
 * and the trace context of the intake that stored it (`trace_parent`, W3C traceparent), so that its
 * dispatch, later and maybe in another instance, links to that trace. Types normalized by the driver,
 * as in the first migration.
 */
export class AddEventSourceAndTrace1764800000000 implements MigrationInterface {
  name = 'AddEventSourceAndTrace1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.driver;
    const column = (options: TableColumnOptions) => new TableColumn({ ...options, type: driver.normalizeType({ type: options.type }) });
    await queryRunner.addColumns('omise_webhook_events', [
      column({ name: 'source', type: 'varchar', length: '16', default: "'webhook'" }),
      column({ name: 'trace_parent', type: 'varchar', length: '55', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('omise_webhook_events', 'trace_parent');
    await queryRunner.dropColumn('omise_webhook_events', 'source');
  }
}
