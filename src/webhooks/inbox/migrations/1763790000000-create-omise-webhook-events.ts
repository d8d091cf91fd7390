import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox table. Written per database because the right types differ: PostgreSQL `timestamptz`,
 * MySQL/MariaDB `MEDIUMTEXT` (plain TEXT stops at 64 KiB) in utf8mb4 with millisecond `DATETIME(3)`.
 */
export class CreateOmiseWebhookEvents1763790000000 implements MigrationInterface {
  name = 'CreateOmiseWebhookEvents1763790000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    switch (queryRunner.connection.options.type) {
      case 'postgres':
        await queryRunner.query(`CREATE TABLE omise_webhook_events (
          event_id varchar(64) PRIMARY KEY,
          event_key varchar(100) NOT NULL,
          livemode boolean NOT NULL,
          raw_body text NOT NULL,
          received_at timestamptz(3) NOT NULL,
          delivery_id uuid NOT NULL,
          status varchar(16) NOT NULL DEFAULT 'pending',
          attempts integer NOT NULL DEFAULT 0)`);
        break;
      case 'mysql':
      case 'mariadb':
        await queryRunner.query(`CREATE TABLE omise_webhook_events (
          event_id varchar(64) NOT NULL PRIMARY KEY,
          event_key varchar(100) NOT NULL,
          livemode tinyint(1) NOT NULL,
          raw_body mediumtext NOT NULL,
          received_at datetime(3) NOT NULL,
          delivery_id char(36) NOT NULL,
          status varchar(16) NOT NULL DEFAULT 'pending',
          attempts int NOT NULL DEFAULT 0
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
        break;
      default:
        await queryRunner.query(`CREATE TABLE omise_webhook_events (
          event_id varchar(64) PRIMARY KEY NOT NULL,
          event_key varchar(100) NOT NULL,
          livemode boolean NOT NULL,
          raw_body text NOT NULL,
          received_at datetime NOT NULL,
          delivery_id varchar(36) NOT NULL,
          status varchar(16) NOT NULL DEFAULT 'pending',
          attempts integer NOT NULL DEFAULT 0)`);
    }
    await queryRunner.query('CREATE INDEX omise_webhook_events_status ON omise_webhook_events (status, received_at)');
    // Only MySQL reads by it (to learn which rows an INSERT created); elsewhere it is for tracing.
    await queryRunner.query('CREATE INDEX omise_webhook_events_delivery ON omise_webhook_events (delivery_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE omise_webhook_events');
  }
}
