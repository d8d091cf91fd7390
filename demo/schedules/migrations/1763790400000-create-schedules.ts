import { MigrationInterface, QueryRunner } from 'typeorm';
import { ddlFor } from '../../common/persistence/sql-dialect';

/** The schedules table; `last_event_id` in byte order (it breaks ties). */
export class CreateSchedules1763790400000 implements MigrationInterface {
  name = 'CreateSchedules1763790400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddlFor(queryRunner);
    await queryRunner.query(`CREATE TABLE schedules (
      schedule_id varchar(64) NOT NULL PRIMARY KEY,
      status varchar(16),
      every integer,
      period varchar(16),
      end_date varchar(10),
      last_event_id ${t.byteOrdered(64)},
      last_event_at ${t.time})${t.tableOptions}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE schedules');
  }
}
