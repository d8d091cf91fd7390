import { MigrationInterface, QueryRunner } from 'typeorm';
import { ddlFor } from '../../common/persistence/sql-dialect';

/** The transfers table; `last_event_id` in byte order (it breaks ties), amounts in BIGINT. */
export class CreateTransfers1763790200000 implements MigrationInterface {
  name = 'CreateTransfers1763790200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddlFor(queryRunner);
    await queryRunner.query(`CREATE TABLE transfers (
      transfer_id varchar(64) NOT NULL PRIMARY KEY,
      status varchar(16),
      amount bigint,
      currency varchar(3),
      recipient_id varchar(64),
      failure_code varchar(64),
      failure_message varchar(1024),
      last_event_id ${t.byteOrdered(64)},
      last_event_at ${t.time})${t.tableOptions}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE transfers');
  }
}
