import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dispatch state: when an event may next be tried, who holds its lease and until when, the last
 * error; and one row per (event, handler) so a retry re-runs only the handlers that failed.
 */
export class AddDispatchState1763800000000 implements MigrationInterface {
  name = 'AddDispatchState1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const type = queryRunner.connection.options.type;
    const [time, text] =
      type === 'postgres' ? ['timestamptz(3)', 'text'] : type === 'mysql' || type === 'mariadb' ? ['datetime(3)', 'text'] : ['datetime', 'text'];
    for (const column of [
      `next_attempt_at ${time} NULL`,
      `locked_until ${time} NULL`,
      'locked_by varchar(64) NULL',
      `last_error ${text} NULL`,
      `processed_at ${time} NULL`,
    ]) {
      await queryRunner.query(`ALTER TABLE omise_webhook_events ADD ${column}`);
    }
    await queryRunner.query('CREATE INDEX omise_webhook_events_due ON omise_webhook_events (status, next_attempt_at)');
    const suffix = type === 'mysql' || type === 'mariadb' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin' : '';
    await queryRunner.query(`CREATE TABLE omise_webhook_handler_runs (
      event_id varchar(64) NOT NULL,
      handler varchar(200) NOT NULL,
      status varchar(16) NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_error ${text} NULL,
      updated_at ${time} NOT NULL,
      PRIMARY KEY (event_id, handler))${suffix}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE omise_webhook_handler_runs');
    await queryRunner.query('DROP INDEX omise_webhook_events_due ON omise_webhook_events');
    for (const column of ['next_attempt_at', 'locked_until', 'locked_by', 'last_error', 'processed_at']) {
      await queryRunner.query(`ALTER TABLE omise_webhook_events DROP COLUMN ${column}`);
    }
  }
}
