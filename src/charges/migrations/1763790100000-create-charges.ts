import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The charges module's tables, per database. `last_event_id` is compared with `<` to break ties, so it
 * gets a byte-order collation (`C` in PostgreSQL, whose default collation is locale order; the whole
 * MySQL table is utf8mb4_bin; SQLite compares bytes already). Amounts are BIGINT: the smallest unit
 * of a large charge can pass 2^31.
 */
export class CreateCharges1763790100000 implements MigrationInterface {
  name = 'CreateCharges1763790100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    switch (queryRunner.connection.options.type) {
      case 'postgres':
        await queryRunner.query(`CREATE TABLE charges (
          charge_id varchar(64) PRIMARY KEY,
          status varchar(32),
          amount bigint,
          currency varchar(3),
          order_id varchar(255),
          failure_code varchar(64),
          failure_message varchar(1024),
          refunded_amount bigint NOT NULL DEFAULT 0,
          disputed boolean NOT NULL DEFAULT false,
          last_event_id varchar(64) COLLATE "C",
          last_event_at timestamptz(3))`);
        await queryRunner.query(`CREATE TABLE charge_refunds (
          refund_id varchar(64) PRIMARY KEY,
          charge_id varchar(64) NOT NULL,
          amount bigint NOT NULL)`);
        break;
      case 'mysql':
      case 'mariadb':
        await queryRunner.query(`CREATE TABLE charges (
          charge_id varchar(64) NOT NULL PRIMARY KEY,
          status varchar(32) NULL,
          amount bigint NULL,
          currency varchar(3) NULL,
          order_id varchar(255) NULL,
          failure_code varchar(64) NULL,
          failure_message varchar(1024) NULL,
          refunded_amount bigint NOT NULL DEFAULT 0,
          disputed tinyint(1) NOT NULL DEFAULT 0,
          last_event_id varchar(64) NULL,
          last_event_at datetime(3) NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
        await queryRunner.query(`CREATE TABLE charge_refunds (
          refund_id varchar(64) NOT NULL PRIMARY KEY,
          charge_id varchar(64) NOT NULL,
          amount bigint NOT NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
        break;
      default:
        await queryRunner.query(`CREATE TABLE charges (
          charge_id varchar(64) PRIMARY KEY NOT NULL,
          status varchar(32),
          amount bigint,
          currency varchar(3),
          order_id varchar(255),
          failure_code varchar(64),
          failure_message varchar(1024),
          refunded_amount bigint NOT NULL DEFAULT 0,
          disputed boolean NOT NULL DEFAULT 0,
          last_event_id varchar(64),
          last_event_at datetime)`);
        await queryRunner.query(`CREATE TABLE charge_refunds (
          refund_id varchar(64) PRIMARY KEY NOT NULL,
          charge_id varchar(64) NOT NULL,
          amount bigint NOT NULL)`);
    }
    // Summed per charge on every refund event.
    await queryRunner.query('CREATE INDEX charge_refunds_charge ON charge_refunds (charge_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE charge_refunds');
    await queryRunner.query('DROP TABLE charges');
  }
}
