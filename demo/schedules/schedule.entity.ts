import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EventOrderedEntity } from '../common/persistence/event-ordered.entity';

/** A recurring charge or transfer schedule as the webhooks have described it so far. Schema: ./migrations. */
@Entity({ name: 'schedules' })
export class ScheduleEntity extends EventOrderedEntity {
  @PrimaryColumn({ name: 'schedule_id', type: 'varchar', length: 64 })
  scheduleId!: string;

  /** `running`, `suspended`, `expiring`, `expired` or `deleted` (old `active` is stored as `running`). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  status!: string | null;

  /** With `period`: "every 3 day", "every 1 month". */
  @Column({ type: 'int', nullable: true })
  every!: number | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  period!: string | null;

  /** Last day of the schedule (`YYYY-MM-DD`), what `schedule.expiring` warns about. */
  @Column({ name: 'end_date', type: 'varchar', length: 10, nullable: true })
  endDate!: string | null;
}
