import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The disputes table, per database. As for charges: `last_event_id` in byte order (it breaks ties),
 * amounts in BIGINT.
 */
export class CreateDisputes1763790300000 implements MigrationInterface {
  name = 'CreateDisputes1763790300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    switch (queryRunner.connection.options.type) {
      case 'postgres':
        await queryRunner.query(`CREATE TABLE disputes (
          dispute_id varchar(64) PRIMARY KEY,
          status varchar(16),
          charge_id varchar(64),
          amount bigint,
          currency varchar(3),
          reason_code varchar(64),
          last_event_id varchar(64) COLLATE "C",
          last_event_at timestamptz(3))`);
        break;
      case 'mysql':
      case 'mariadb':
        await queryRunner.query(`CREATE TABLE disputes (
          dispute_id varchar(64) NOT NULL PRIMARY KEY,
          status varchar(16) NULL,
          charge_id varchar(64) NULL,
          amount bigint NULL,
          currency varchar(3) NULL,
          reason_code varchar(64) NULL,
          last_event_id varchar(64) NULL,
          last_event_at datetime(3) NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
        break;
      default:
        await queryRunner.query(`CREATE TABLE disputes (
          dispute_id varchar(64) PRIMARY KEY NOT NULL,
          status varchar(16),
          charge_id varchar(64),
          amount bigint,
          currency varchar(3),
          reason_code varchar(64),
          last_event_id varchar(64),
          last_event_at datetime)`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE disputes');
  }
}
