import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../common/persistence/bigint-number.transformer';

/**
 * One row per refund seen in a `refund.create` event. Keyed by refund id so that a redelivered event
 * cannot count a refund twice; a charge's refunded amount is never below the sum of its rows here.
 */
@Entity({ name: 'charge_refunds' })
export class ChargeRefundEntity {
  @PrimaryColumn({ name: 'refund_id', type: 'varchar', length: 64 })
  refundId!: string;

  @Column({ name: 'charge_id', type: 'varchar', length: 64 })
  chargeId!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  amount!: number;
}
