import { textValue } from '../common/events/payload-values';
import type { OmiseEventCatalogue, OmiseEventKey, OmiseSchedule } from 'omise-nest-webhooks';
import type { ScheduleEntity } from './schedule.entity';

export type ScheduleEventKey = Extract<OmiseEventKey, `schedule.${string}`>;
export type ScheduleState = Partial<Pick<ScheduleEntity, 'status' | 'every' | 'period' | 'endDate'>>;

/** What the key alone says, for a payload without `status` (the `schedule.destroy` stub). */
const STATUS_BY_KEY: Readonly<Record<ScheduleEventKey, string>> = {
  'schedule.create': 'running',
  'schedule.suspend': 'suspended',
  'schedule.expiring': 'expiring',
  'schedule.expire': 'expired',
  'schedule.destroy': 'deleted',
};

/** Reads a schedule payload of any API version, or the stub of an old `schedule.destroy`. */
export function scheduleStateOf(key: ScheduleEventKey, schedule: OmiseEventCatalogue[ScheduleEventKey]): ScheduleState {
  // Every field may be missing (stub) or of another shape (old version): read them as unknown.
  const fields: { [P in keyof OmiseSchedule]?: unknown } = schedule;
  const deleted = key === 'schedule.destroy' || fields.deleted === true;
  return {
    status: deleted ? 'deleted' : (scheduleStatusOf(fields.status) ?? STATUS_BY_KEY[key]),
    every: typeof fields.every === 'number' && Number.isSafeInteger(fields.every) ? fields.every : undefined,
    period: textValue(fields.period, 16),
    endDate: textValue(fields.end_on ?? fields.end_date, 10),
  };
}

/** API versions before 2019-05-29 call a running schedule `active`. */
function scheduleStatusOf(status: unknown): string | undefined {
  const stated = textValue(status, 16)?.toLowerCase();
  return stated === 'active' ? 'running' : stated || undefined;
}
