import { MigrationInterface, QueryRunner } from 'typeorm';
import { ddlFor } from '../../common/persistence/sql-dialect';

/** The disputes table; `last_event_id` in byte order (it breaks ties), amounts in BIGINT. */
export class CreateDisputes1763790300000 implements MigrationInterface {
  name = 'CreateDisputes1763790300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddlFor(queryRunner);
    await queryRunner.query(`CREATE TABLE disputes (
      dispute_id varchar(64) NOT NULL PRIMARY KEY,
      status varchar(16),
      charge_id varchar(64),
      amount bigint,
      currency varchar(3),
      reason_code varchar(64),
      last_event_id ${t.byteOrdered(64)},
      last_event_at ${t.time})${t.tableOptions}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE disputes');
  }
}
