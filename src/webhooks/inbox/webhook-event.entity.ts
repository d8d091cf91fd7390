import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Where a stored event stands. Intake writes `pending`; dispatch moves it on. */
export type WebhookEventStatus = 'pending' | 'processing' | 'processed' | 'failed' | 'dead' | 'ignored';

/**
 * The inbox: one row per Omise event id, written before the 2xx. The primary key on `event_id` is
 * the unique constraint that settles concurrent deliveries of the same event.
 * The schema is owned by the migration in ./migrations (column types differ per database).
 */
@Entity({ name: 'omise_webhook_events' })
export class WebhookEventEntity {
  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 64 })
  eventId!: string;

  @Column({ name: 'event_key', type: 'varchar', length: 100 })
  key!: string;

  @Column()
  livemode!: boolean;

  /** The body exactly as received and signed (UTF-8 text), so it can be re-verified or replayed. */
  @Column({ name: 'raw_body', type: 'text' })
  rawBody!: string;

  // No explicit type: TypeORM maps Date to each database's timestamp type (the names differ).
  @Column({ name: 'received_at' })
  receivedAt!: Date;

  /** The request that stored the row (random, per delivery): ties logs to rows. */
  @Column({ name: 'delivery_id', type: 'varchar', length: 36 })
  deliveryId!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: WebhookEventStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  // `type: Date` lets TypeORM pick each database's timestamp type for these nullable columns.
  @Column({ name: 'next_attempt_at', type: Date })
  nextAttemptAt!: Date;

  @Column({ name: 'locked_until', type: Date, nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'locked_by', type: 'varchar', length: 64, nullable: true })
  lockedBy!: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'processed_at', type: Date, nullable: true })
  processedAt!: Date | null;
}
