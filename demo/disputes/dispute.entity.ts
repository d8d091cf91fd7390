import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../common/persistence/bigint-number.transformer';
import { EventOrderedEntity } from '../common/persistence/event-ordered.entity';

/** A dispute (chargeback) as the webhooks have described it so far. Schema: ./migrations. */
@Entity({ name: 'disputes' })
export class DisputeEntity extends EventOrderedEntity {
  @PrimaryColumn({ name: 'dispute_id', type: 'varchar', length: 64 })
  disputeId!: string;

  /** `open`, `pending`, `won`, `lost` or `closed`. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  status!: string | null;

  @Column({ name: 'charge_id', type: 'varchar', length: 64, nullable: true })
  chargeId!: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  amount!: number | null;

  @Column({ type: 'varchar', length: 3, nullable: true })
  currency!: string | null;

  @Column({ name: 'reason_code', type: 'varchar', length: 64, nullable: true })
  reasonCode!: string | null;
}
