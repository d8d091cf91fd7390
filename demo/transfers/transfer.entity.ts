import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../common/persistence/bigint-number.transformer';
import { EventOrderedEntity } from '../common/persistence/event-ordered.entity';

/** A transfer (payout) as the webhooks have described it so far. Schema: ./migrations. */
@Entity({ name: 'transfers' })
export class TransferEntity extends EventOrderedEntity {
  @PrimaryColumn({ name: 'transfer_id', type: 'varchar', length: 64 })
  transferId!: string;

  /** `pending`, `sent`, `paid`, `failed` or `deleted` (see transfer-state.ts). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  status!: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  amount!: number | null;

  @Column({ type: 'varchar', length: 3, nullable: true })
  currency!: string | null;

  @Column({ name: 'recipient_id', type: 'varchar', length: 64, nullable: true })
  recipientId!: string | null;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode!: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 1024, nullable: true })
  failureMessage!: string | null;
}
