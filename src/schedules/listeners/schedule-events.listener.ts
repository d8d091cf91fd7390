import { Injectable } from '@nestjs/common';
import type { EventOutcome } from '../../common/events/event-outcome';
import { OnOmiseEvent } from '../../common/events/on-omise-event.decorator';
import type { OmiseEventOf } from '../../webhooks';
import { SchedulesService } from '../schedules.service';

/** create → running, suspend → suspended, expiring, expire → expired, destroy → deleted. */
@Injectable()
export class ScheduleEventsListener {
  constructor(private readonly schedules: SchedulesService) {}

  @OnOmiseEvent('schedule.create')
  onCreate(event: OmiseEventOf<'schedule.create'>): Promise<EventOutcome> {
    return this.schedules.applyScheduleEvent(event);
  }

  @OnOmiseEvent('schedule.suspend')
  onSuspend(event: OmiseEventOf<'schedule.suspend'>): Promise<EventOutcome> {
    return this.schedules.applyScheduleEvent(event);
  }

  @OnOmiseEvent('schedule.expiring')
  onExpiring(event: OmiseEventOf<'schedule.expiring'>): Promise<EventOutcome> {
    return this.schedules.applyScheduleEvent(event);
  }

  @OnOmiseEvent('schedule.expire')
  onExpire(event: OmiseEventOf<'schedule.expire'>): Promise<EventOutcome> {
    return this.schedules.applyScheduleEvent(event);
  }

  @OnOmiseEvent('schedule.destroy')
  onDestroy(event: OmiseEventOf<'schedule.destroy'>): Promise<EventOutcome> {
    return this.schedules.applyScheduleEvent(event);
  }
}
