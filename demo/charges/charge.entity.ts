import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../common/persistence/bigint-number.transformer';
import { EventOrderedEntity } from '../common/persistence/event-ordered.entity';

/**
 * A charge as the webhooks have described it so far. Everything but the id is null until the first
 * `charge.*` event is applied: a refund or dispute can arrive first and create the row.
 * The schema is owned by ./migrations (column types differ per database).
 */
@Entity({ name: 'charges' })
export class ChargeEntity extends EventOrderedEntity {
  @PrimaryColumn({ name: 'charge_id', type: 'varchar', length: 64 })
  chargeId!: string;

  /** `pending`, `successful`, `failed`, `expired`, `reversed` (kept as sent if Omise adds one). */
  @Column({ type: 'varchar', length: 32, nullable: true })
  status!: string | null;

  /** In the smallest currency unit (satang for THB). */
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  amount!: number | null;

  /** Upper case, whichever API version sent it. */
  @Column({ type: 'varchar', length: 3, nullable: true })
  currency!: string | null;

  /** The merchant's order, from `metadata.order_id`. */
  @Column({ name: 'order_id', type: 'varchar', length: 255, nullable: true })
  orderId!: string | null;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode!: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 1024, nullable: true })
  failureMessage!: string | null;

  /** The most any source has reported: the charge's own total or the sum of refund.create events. */
  @Column({ name: 'refunded_amount', type: 'bigint', default: 0, transformer: bigintAsNumber })
  refundedAmount!: number;

  /** Set once a dispute is seen for the charge and never cleared: a won dispute was still a dispute. */
  @Column({ type: 'boolean', default: false })
  disputed!: boolean;
}
