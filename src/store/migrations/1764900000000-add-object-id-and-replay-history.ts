import { type MigrationInterface, type QueryRunner, Table, TableColumn, type TableColumnOptions, TableIndex } from 'typeorm';
import { type Dialect, dialectOf } from '../sql-dialect';

/**
 * For the admin page: `object_id` (the event's `data.id`, filled at intake from now on and here for
 * the rows already stored), the indexes of its newest-first keyset list and of search by object id,
 * and the replay history tables (replay.entity.ts). As in the first migration, column types are
 * normalized by the driver so the schema diff against the entities stays empty on every database.
 */
export class AddObjectIdAndReplayHistory1764900000000 implements MigrationInterface {
  name = 'AddObjectIdAndReplayHistory1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.driver;
    const normalized = (column: TableColumnOptions): TableColumnOptions => ({ ...column, type: driver.normalizeType({ type: column.type }) });
    const table = (name: string, columns: TableColumnOptions[], indices: TableIndex[] = []) =>
      queryRunner.createTable(new Table({ name, columns: columns.map(normalized), indices }));

    await queryRunner.addColumn(
      'omise_webhook_events',
      new TableColumn(normalized({ name: 'object_id', type: 'varchar', length: '64', isNullable: true })),
    );
    await queryRunner.query(backfillObjectIds(dialectOf(queryRunner.connection)));
    await queryRunner.createIndices('omise_webhook_events', [
      new TableIndex({ name: 'omise_webhook_events_received', columnNames: ['received_at', 'event_id'] }),
      new TableIndex({ name: 'omise_webhook_events_status_received', columnNames: ['status', 'received_at', 'event_id'] }),
      new TableIndex({ name: 'omise_webhook_events_object', columnNames: ['object_id'] }),
    ]);

    await table('omise_webhook_replays', [
      { name: 'replay_id', type: 'varchar', length: '36', isPrimary: true },
      { name: 'replayed_at', type: 'bigint' },
      { name: 'actor', type: 'varchar', length: '100' },
      { name: 'selection', type: 'varchar', length: '500' },
      { name: 'forced', type: 'boolean' },
      { name: 'event_count', type: 'integer', default: 0 },
    ]);
    await table(
      'omise_webhook_replayed_events',
      [
        { name: 'replay_id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'event_id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'status', type: 'varchar', length: '16' },
        { name: 'attempts', type: 'integer' },
        { name: 'last_error', type: 'text', isNullable: true },
        { name: 'processed_at', type: 'bigint', isNullable: true },
      ],
      [new TableIndex({ name: 'omise_webhook_replayed_events_event', columnNames: ['event_id'] })],
    );
    await table('omise_webhook_replayed_runs', [
      { name: 'replay_id', type: 'varchar', length: '36', isPrimary: true },
      { name: 'event_id', type: 'varchar', length: '64', isPrimary: true },
      { name: 'handler', type: 'varchar', length: '200', isPrimary: true },
      { name: 'status', type: 'varchar', length: '16' },
      // As in omise_webhook_handler_runs: ReplayedRunEntity is a HandlerRunEntity with a replay id.
      { name: 'attempts', type: 'integer', default: 0 },
      { name: 'last_error', type: 'text', isNullable: true },
      { name: 'updated_at', type: 'bigint' },
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('omise_webhook_replayed_runs');
    await queryRunner.dropTable('omise_webhook_replayed_events');
    await queryRunner.dropTable('omise_webhook_replays');
    for (const index of ['omise_webhook_events_object', 'omise_webhook_events_status_received', 'omise_webhook_events_received']) {
      await queryRunner.dropIndex('omise_webhook_events', index);
    }
    await queryRunner.dropColumn('omise_webhook_events', 'object_id');
  }
}

/**
 * `data.id` of every stored body into `object_id`, with intake's rule (object-id.ts): a string of 1 to
 * 64 printable ASCII characters, else NULL. Bodies were checked to be JSON when they were received.
 * One statement: on a big table it takes a while, once.
 */
function backfillObjectIds(dialect: Dialect): string {
  switch (dialect) {
    case 'postgres':
      return (
        "UPDATE omise_webhook_events SET object_id = raw_body::json #>> '{data,id}' " +
        "WHERE json_typeof(raw_body::json #> '{data,id}') = 'string' AND (raw_body::json #>> '{data,id}') ~ '^[ -~]{1,64}$'"
      );
    case 'mysql':
      // JSON_TYPE is MySQL's and MariaDB's; REGEXP compares characters, so {1,64} counts characters.
      return (
        "UPDATE omise_webhook_events SET object_id = JSON_UNQUOTE(JSON_EXTRACT(raw_body, '$.data.id')) " +
        "WHERE JSON_VALID(raw_body) AND JSON_TYPE(JSON_EXTRACT(raw_body, '$.data.id')) = 'STRING' " +
        "AND JSON_UNQUOTE(JSON_EXTRACT(raw_body, '$.data.id')) REGEXP '^[ -~]{1,64}$'"
      );
    case 'sqlite':
      // No REGEXP in SQLite: a length check, and GLOB for "no character outside space..tilde".
      return (
        "UPDATE omise_webhook_events SET object_id = json_extract(raw_body, '$.data.id') " +
        "WHERE json_valid(raw_body) AND json_type(raw_body, '$.data.id') = 'text' " +
        "AND length(json_extract(raw_body, '$.data.id')) BETWEEN 1 AND 64 " +
        "AND json_extract(raw_body, '$.data.id') NOT GLOB '*[^ -~]*'"
      );
  }
}
