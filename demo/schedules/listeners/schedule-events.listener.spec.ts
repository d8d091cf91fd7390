import { createDomainTestContext, type DomainTestContext } from '../../common/testing/domain-test-context';
import { fixture, omiseEvent } from '../../common/testing/omise-fixtures';
import { ScheduleEntity } from '../schedule.entity';
import { SchedulesModule } from '../schedules.module';

// A 2017 schedule (status `active`, the old name of `running`) and its deletion (Omise Go SDK
// fixtures), and a 2025 one (`running`). Omise recorded no suspended or expiring schedule: those
// flip `status`.
const OLD = 'schd_57z9hj228pusa652nk1';
const NEW = 'schd_test_6344k76yz8azr26gjkb';
const active = () => fixture(`schedule/${OLD}.active.json`);
const running = () => fixture(`schedule/${NEW}.running.json`);
const at = (minute: number) => `2025-03-20T10:${String(minute).padStart(2, '0')}:00Z`;

describe('ScheduleEventsListener (real SQLite)', () => {
  let context: DomainTestContext;
  const schedule = (id: string) => context.find(ScheduleEntity, id);
  const createNew = () => context.emit(omiseEvent('schedule.create', { id: 'evnt_test_1', created_at: at(0) }, running()));

  beforeEach(async () => {
    context = await createDomainTestContext(SchedulesModule);
  });
  afterEach(() => context.close());

  describe('status transitions', () => {
    it('schedule.create (2019-05-29 shape) → running', async () => {
      await expect(createNew()).resolves.toBe('applied');
      await expect(schedule(NEW)).resolves.toMatchObject({ status: 'running', every: 2, period: 'day', endDate: '2025-05-20' });
    });

    it('schedule.create in the old shape: `active` is stored as running', async () => {
      await expect(context.emit(omiseEvent('schedule.create', { id: 'evnt_test_1', created: '2017-05-15T17:35:01Z' }, active()))).resolves.toBe(
        'applied',
      );
      await expect(schedule(OLD)).resolves.toMatchObject({ status: 'running', every: 3, period: 'day', endDate: '2018-05-15' });
    });

    it.each([
      ['schedule.suspend', 'suspended'],
      ['schedule.expiring', 'expiring'],
      ['schedule.expire', 'expired'],
    ] as const)('%s → %s', async (key, status) => {
      await createNew();
      await expect(context.emit(omiseEvent(key, { id: 'evnt_test_2', created_at: at(1) }, { ...running(), status }))).resolves.toBe('applied');
      await expect(schedule(NEW)).resolves.toMatchObject({ status, lastEventId: 'evnt_test_2' });
    });

    it('schedule.suspend without a status in the payload is still suspended (the key says so)', async () => {
      await createNew();
      const withoutStatus = running();
      delete withoutStatus.status;
      await context.emit(omiseEvent('schedule.suspend', { id: 'evnt_test_2', created_at: at(1) }, withoutStatus));
      await expect(schedule(NEW)).resolves.toMatchObject({ status: 'suspended' });
    });

    it('schedule.destroy with the whole schedule (status deleted) → deleted', async () => {
      await context.emit(omiseEvent('schedule.create', { id: 'evnt_test_1', created: '2017-05-15T17:35:01Z' }, active()));
      const deleted = fixture(`schedule/${OLD}.deleted.json`);
      await expect(context.emit(omiseEvent('schedule.destroy', { id: 'evnt_test_2', created: '2017-05-16T00:00:00Z' }, deleted))).resolves.toBe(
        'applied',
      );
      await expect(schedule(OLD)).resolves.toMatchObject({ status: 'deleted', every: 3 });
    });

    it('schedule.destroy with the old stub → deleted, keeping the rest', async () => {
      await createNew();
      const stub = { object: 'schedule', id: NEW, livemode: false, deleted: true };
      await expect(context.emit(omiseEvent('schedule.destroy', { id: 'evnt_test_2', created_at: at(1) }, stub))).resolves.toBe('applied');
      await expect(schedule(NEW)).resolves.toMatchObject({ status: 'deleted', every: 2, period: 'day' });
    });
  });

  describe('out of order and duplicates', () => {
    it('schedule.create after schedule.suspend does not resume the schedule', async () => {
      await context.emit(omiseEvent('schedule.suspend', { id: 'evnt_test_2', created_at: at(1) }, { ...running(), status: 'suspended' }));
      await expect(createNew()).resolves.toBe('skipped');
      await expect(schedule(NEW)).resolves.toMatchObject({ status: 'suspended' });
    });

    it('applying the same event twice changes nothing', async () => {
      await createNew();
      const before = await schedule(NEW);
      await expect(createNew()).resolves.toBe('duplicate');
      await expect(schedule(NEW)).resolves.toEqual(before);
    });
  });
});
