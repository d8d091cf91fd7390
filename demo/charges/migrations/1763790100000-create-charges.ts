import { MigrationInterface, QueryRunner } from 'typeorm';
import { ddlFor } from '../../common/persistence/sql-dialect';

/**
 * The charges module's tables. `last_event_id` is compared with `<` to break ties, so it is kept in
 * byte order. Amounts are BIGINT: the smallest unit of a large charge can pass 2^31.
 */
export class CreateCharges1763790100000 implements MigrationInterface {
  name = 'CreateCharges1763790100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddlFor(queryRunner);
    await queryRunner.query(`CREATE TABLE charges (
      charge_id varchar(64) NOT NULL PRIMARY KEY,
      status varchar(32),
      amount bigint,
      currency varchar(3),
      order_id varchar(255),
      failure_code varchar(64),
      failure_message varchar(1024),
      refunded_amount bigint NOT NULL DEFAULT 0,
      disputed ${t.bool} NOT NULL DEFAULT ${t.false},
      last_event_id ${t.byteOrdered(64)},
      last_event_at ${t.time})${t.tableOptions}`);
    await queryRunner.query(`CREATE TABLE charge_refunds (
      refund_id varchar(64) NOT NULL PRIMARY KEY,
      charge_id varchar(64) NOT NULL,
      amount bigint NOT NULL)${t.tableOptions}`);
    // Summed per charge on every refund event.
    await queryRunner.query('CREATE INDEX charge_refunds_charge ON charge_refunds (charge_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE charge_refunds');
    await queryRunner.query('DROP TABLE charges');
  }
}
