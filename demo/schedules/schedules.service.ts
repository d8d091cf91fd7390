import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { applyEventInOrder } from '../common/events/apply-event-in-order';
import type { EventOutcome } from '../common/events/event-outcome';
import { presentValues } from '../common/events/payload-values';
import type { OmiseEventOf } from 'omise-nest-webhooks';
import { type ScheduleEventKey, scheduleStateOf } from './schedule-state';
import { ScheduleEntity } from './schedule.entity';

/** Keeps the `schedules` table in step with schedule events, in event order per schedule. */
@Injectable()
export class SchedulesService {
  private readonly logger = new Logger(SchedulesService.name);

  constructor(@InjectRepository(ScheduleEntity) private readonly schedules: Repository<ScheduleEntity>) {}

  applyScheduleEvent(event: OmiseEventOf<ScheduleEventKey>): Promise<EventOutcome> {
    return applyEventInOrder(this.schedules, this.logger, event, { set: presentValues(scheduleStateOf(event.key, event.data)) });
  }
}
