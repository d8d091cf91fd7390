import { MigrationInterface, QueryRunner } from 'typeorm';
import { ddlFor, dialectOf } from '../../persistence/sql-dialect';

/**
 * The inbox: one row per event (the primary key settles concurrent deliveries), with its dispatch
 * state; and one row per (event, handler) so a retry re-runs only the handlers that failed.
 */
export class CreateOmiseWebhookEvents1763790000000 implements MigrationInterface {
  name = 'CreateOmiseWebhookEvents1763790000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddlFor(queryRunner);
    await queryRunner.query(`CREATE TABLE omise_webhook_events (
      event_id varchar(64) NOT NULL PRIMARY KEY,
      event_key varchar(100) NOT NULL,
      livemode ${t.bool} NOT NULL,
      raw_body ${t.longText} NOT NULL,
      received_at ${t.time} NOT NULL,
      delivery_id varchar(36) NOT NULL,
      status varchar(16) NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at ${t.time} NOT NULL,
      locked_until ${t.time},
      locked_by varchar(64),
      last_error text,
      processed_at ${t.time})${t.tableOptions}`);
    // The claim reads due rows by (status, next_attempt_at) and expired leases by (status, locked_until),
    // each as one ordered index range.
    await queryRunner.query('CREATE INDEX omise_webhook_events_due ON omise_webhook_events (status, next_attempt_at)');
    await queryRunner.query('CREATE INDEX omise_webhook_events_lease ON omise_webhook_events (status, locked_until)');
    if (dialectOf(queryRunner.connection) === 'mysql') {
      // MySQL has no INSERT … RETURNING: intake reads back by delivery id which rows it created.
      await queryRunner.query('CREATE INDEX omise_webhook_events_delivery ON omise_webhook_events (delivery_id)');
    }
    await queryRunner.query(`CREATE TABLE omise_webhook_handler_runs (
      event_id varchar(64) NOT NULL,
      handler varchar(200) NOT NULL,
      status varchar(16) NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      updated_at ${t.time} NOT NULL,
      PRIMARY KEY (event_id, handler))${t.tableOptions}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE omise_webhook_handler_runs');
    await queryRunner.query('DROP TABLE omise_webhook_events');
  }
}
