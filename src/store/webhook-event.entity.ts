import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMillis } from './epoch-millis.transformer';

/** Where a stored event stands. Intake writes `pending`; dispatch moves it on. */
export type WebhookEventStatus = 'pending' | 'processing' | 'processed' | 'failed' | 'dead' | 'ignored';

/** How a stored event arrived: a signed delivery from Omise, or found by reconciliation with the Events API. */
export type WebhookEventSource = 'webhook' | 'reconciliation';

export const WEBHOOK_EVENT_STATUSES: readonly WebhookEventStatus[] = ['pending', 'processing', 'processed', 'failed', 'dead', 'ignored'];

/**
 * One row per Omise event id, committed before the 2xx. The primary key on `event_id` is the unique
 * constraint that settles concurrent deliveries of the same event. This entity is the schema: the
 * module's migration creates exactly these columns and indexes on every database.
 */
@Entity({ name: 'omise_webhook_events' })
// Dispatch claims due rows per status as one ordered range of each index.
@Index('omise_webhook_events_due', ['status', 'nextAttemptAt'])
@Index('omise_webhook_events_lease', ['status', 'lockedUntil'])
// The admin list: newest first by keyset (received_at, event_id), overall and per status, and search
// by the object's id (migration 1764900000000).
@Index('omise_webhook_events_received', ['receivedAt', 'eventId'])
@Index('omise_webhook_events_status_received', ['status', 'receivedAt', 'eventId'])
@Index('omise_webhook_events_object', ['objectId'])
export class WebhookEventEntity {
  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 64 })
  eventId!: string;

  @Column({ name: 'event_key', type: 'varchar', length: 100 })
  key!: string;

  @Column({ type: 'boolean' })
  livemode!: boolean;

  /** The body exactly as received and signed (UTF-8 text), so it can be re-verified or replayed. */
  @Column({ name: 'raw_body', type: 'text' })
  bodyText!: string;

  @Column({ name: 'received_at', type: 'bigint', transformer: epochMillis })
  receivedAt!: Date;

  /** The request that stored the row (random, per delivery): ties logs to rows. */
  @Column({ name: 'delivery_id', type: 'varchar', length: 36 })
  deliveryId!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: WebhookEventStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'bigint', transformer: epochMillis })
  nextAttemptAt!: Date;

  @Column({ name: 'locked_until', type: 'bigint', nullable: true, transformer: epochMillis })
  lockedUntil!: Date | null;

  @Column({ name: 'locked_by', type: 'varchar', length: 64, nullable: true })
  lockedBy!: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'processed_at', type: 'bigint', nullable: true, transformer: epochMillis })
  processedAt!: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'webhook' })
  source!: WebhookEventSource;

  /** The W3C traceparent of the intake that stored the event, when the host traces; dispatch links to it. */
  @Column({ name: 'trace_parent', type: 'varchar', length: 55, nullable: true })
  traceParent!: string | null;

  /** `data.id`, the object the event is about (`chrg_…`), when it is a short printable string (object-id.ts). */
  @Column({ name: 'object_id', type: 'varchar', length: 64, nullable: true })
  objectId!: string | null;
}

/**
 * The columns an event's summary shows (never the body: it may carry card data), as a find `select`:
 * an object, because TypeORM 1 no longer takes a list of names.
 */
export const SUMMARY_COLUMNS = {
  eventId: true,
  key: true,
  livemode: true,
  receivedAt: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  lockedUntil: true,
  lastError: true,
  processedAt: true,
  source: true,
  objectId: true,
} as const;
