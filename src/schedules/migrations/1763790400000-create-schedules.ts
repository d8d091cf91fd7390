import { MigrationInterface, QueryRunner } from 'typeorm';

/** The schedules table, per database. As for charges: `last_event_id` in byte order (it breaks ties). */
export class CreateSchedules1763790400000 implements MigrationInterface {
  name = 'CreateSchedules1763790400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    switch (queryRunner.connection.options.type) {
      case 'postgres':
        await queryRunner.query(`CREATE TABLE schedules (
          schedule_id varchar(64) PRIMARY KEY,
          status varchar(16),
          every integer,
          period varchar(16),
          end_date varchar(10),
          last_event_id varchar(64) COLLATE "C",
          last_event_at timestamptz(3))`);
        break;
      case 'mysql':
      case 'mariadb':
        await queryRunner.query(`CREATE TABLE schedules (
          schedule_id varchar(64) NOT NULL PRIMARY KEY,
          status varchar(16) NULL,
          every int NULL,
          period varchar(16) NULL,
          end_date varchar(10) NULL,
          last_event_id varchar(64) NULL,
          last_event_at datetime(3) NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
        break;
      default:
        await queryRunner.query(`CREATE TABLE schedules (
          schedule_id varchar(64) PRIMARY KEY NOT NULL,
          status varchar(16),
          every integer,
          period varchar(16),
          end_date varchar(10),
          last_event_id varchar(64),
          last_event_at datetime)`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE schedules');
  }
}
