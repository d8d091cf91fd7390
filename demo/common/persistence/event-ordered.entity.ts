import { Column } from 'typeorm';

/**
 * The columns that order events per object: the last event applied to the row, by creation time and
 * then by id. Both are null on a row that exists only because of a side fact (a refund or dispute
 * that arrived before any event about the object itself), so the first real event always applies.
 */
export abstract class EventOrderedEntity {
  /** Compared byte-wise: the migrations give it the `C` / binary collation. */
  @Column({ name: 'last_event_id', type: 'varchar', length: 64, nullable: true })
  lastEventId!: string | null;

  @Column({ name: 'last_event_at', type: Date, nullable: true })
  lastEventAt!: Date | null;
}
