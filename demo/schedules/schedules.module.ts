import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ScheduleEventsListener } from './listeners/schedule-events.listener';
import { ScheduleEntity } from './schedule.entity';
import { SchedulesService } from './schedules.service';

/** Recurring schedules as the webhooks report them. Table: ./migrations. */
@Module({
  imports: [TypeOrmModule.forFeature([ScheduleEntity])],
  providers: [SchedulesService, ScheduleEventsListener],
  exports: [SchedulesService],
})
export class SchedulesModule {}
