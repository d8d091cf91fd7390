import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMillis } from './epoch-millis.transformer';
import { HandlerRunEntity } from './handler-run.entity';
import type { WebhookEventStatus } from './webhook-event.entity';

/**
 * Replay history. A replay resets an event's `attempts` and `last_error` (the worker counts attempts
 * from there) and, when forced, forgets its handler runs; so before it does, it copies what it is about
 * to reset into these tables: one row per replay (who, when, which events, forced or not, how many),
 * one per event it re-queued (the event's state just before) and one per handler run the event had.
 * Written only by a replay (admin/replay-store.ts), read by the admin page.
 */
@Entity({ name: 'omise_webhook_replays' })
export class ReplayEntity {
  @PrimaryColumn({ name: 'replay_id', type: 'varchar', length: 36 })
  replayId!: string;

  @Column({ name: 'replayed_at', type: 'bigint', transformer: epochMillis })
  replayedAt!: Date;

  /** Who asked: the admin page's signed-in operator, `cli`, or what the calling code says. */
  @Column({ type: 'varchar', length: 100 })
  actor!: string;

  /** Which events, as the operator chose them (`event evnt_…`, `status=dead key=charge.*`). */
  @Column({ type: 'varchar', length: 500 })
  selection!: string;

  @Column({ type: 'boolean' })
  forced!: boolean;

  /** Events re-queued by this replay. */
  @Column({ name: 'event_count', type: 'integer', default: 0 })
  eventCount!: number;
}

/** An event as it was just before a replay re-queued it. */
@Entity({ name: 'omise_webhook_replayed_events' })
// The event page reads an event's replays.
@Index('omise_webhook_replayed_events_event', ['eventId'])
export class ReplayedEventEntity {
  @PrimaryColumn({ name: 'replay_id', type: 'varchar', length: 36 })
  replayId!: string;

  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 64 })
  eventId!: string;

  /** The Omise account it came for: `default` at the module's `path`, an account's name at `<path>/<name>`. */
  @PrimaryColumn({ type: 'varchar', length: 32, default: 'default' })
  account!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: WebhookEventStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'processed_at', type: 'bigint', nullable: true, transformer: epochMillis })
  processedAt!: Date | null;
}

/**
 * A handler run of an event as it was just before a replay re-queued the event: the run's columns
 * (inherited: event_id, handler, status, attempts, last_error, updated_at) under the replay's id.
 */
@Entity({ name: 'omise_webhook_replayed_runs' })
export class ReplayedRunEntity extends HandlerRunEntity {
  @PrimaryColumn({ name: 'replay_id', type: 'varchar', length: 36 })
  replayId!: string;
}
