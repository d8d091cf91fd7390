import { Injectable } from '@nestjs/common';
import { OnOmiseEvent, type OmiseEventOf } from 'omise-nest-webhooks';
import type { EventOutcome } from '../../common/events/event-outcome';
import type { ScheduleEventKey } from '../schedule-state';
import { SchedulesService } from '../schedules.service';

/** create → running, suspend → suspended, expiring, expire → expired, destroy → deleted. */
@Injectable()
export class ScheduleEventsListener {
  constructor(private readonly schedules: SchedulesService) {}

  @OnOmiseEvent(['schedule.create', 'schedule.suspend', 'schedule.expiring', 'schedule.expire', 'schedule.destroy'])
  onSchedule(event: OmiseEventOf<ScheduleEventKey>): Promise<EventOutcome> {
    return this.schedules.applyScheduleEvent(event);
  }
}
