import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from './epoch-millis.transformer';

export type HandlerRunStatus = 'succeeded' | 'failed';

/**
 * One row per (event, handler): what the handler `Class.method` did with the event, so a retry
 * re-runs only the handlers that have not succeeded yet.
 */
@Entity({ name: 'omise_webhook_handler_runs' })
export class HandlerRunEntity {
  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 64 })
  eventId!: string;

  /** The Omise account it came for: `default` at the module's `path`, an account's name at `<path>/<name>`. */
  @PrimaryColumn({ type: 'varchar', length: 32, default: 'default' })
  account!: string;

  @PrimaryColumn({ type: 'varchar', length: 200 })
  handler!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: HandlerRunStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMillis })
  updatedAt!: Date;
}
