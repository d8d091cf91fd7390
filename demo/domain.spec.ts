import { Module } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ChargeEntity } from './charges/charge.entity';
import { createDomainTestContext, type DomainTestContext } from './common/testing/domain-test-context';
import { fixture, fixtureEvent, omiseEvent } from './common/testing/omise-fixtures';
import { createScratchDatabase, databaseKinds, type ScratchDatabase } from './common/testing/scratch-database';
import { DisputeEntity } from './disputes/dispute.entity';
import { DOMAIN_MODULES } from './domain';
import { ScheduleEntity } from './schedules/schedule.entity';
import { TransferEntity } from './transfers/transfer.entity';
import { OMISE_EVENT_KEYS } from 'omise-nest-webhooks';

@Module({ imports: DOMAIN_MODULES })
class AllDomainModules {}

const HANDLED = /^(charge|refund|transfer|dispute|schedule)\./;

// Every handler path once, on every server in TEST_DATABASES (SQLite alone by default).
describe.each(databaseKinds())('the domain modules together on %s', (kind) => {
  let database: ScratchDatabase;
  let context: DomainTestContext;

  beforeAll(async () => {
    database = await createScratchDatabase(kind);
    context = await createDomainTestContext(AllDomainModules, { database: database.options });
  });
  afterAll(async () => {
    await context?.close();
    await database?.drop();
  });

  it('has exactly one listener for each key it handles, none for the others', () => {
    const emitter = context.module.get(EventEmitter2);
    for (const key of OMISE_EVENT_KEYS) expect([key, emitter.listeners(key).length]).toEqual([key, HANDLED.test(key) ? 1 : 0]);
  });

  it('keeps a charge, its refund and its dispute together', async () => {
    const charge = 'chrg_test_no1t4tnemucod0e51mo';
    const created = fixtureEvent('charge.create', 'event/omise-php__tests_fixtures_api.omise.co_events_evnt_test_no1t4tnemucod0e51mo-get.json');
    const refund = { ...(fixture('event-extracted/omise-php__tests_fixtures_api.omise.co_events-get__60e0b05__item01__refund.create.json').data as object), charge, amount: 2345 };
    const dispute = { ...fixture('dispute/dspt_test_6344e4i5yv427gaj1s2.pending.json'), charge, status: 'open' };
    await expect(context.emit(created)).resolves.toBe('applied');
    await expect(context.emit(omiseEvent('refund.create', { id: 'evnt_test_r', created_at: '2020-01-01T00:00:00Z' }, refund))).resolves.toBe(
      'applied',
    );
    await expect(context.emit(omiseEvent('dispute.create', { id: 'evnt_test_d', created_at: '2020-01-02T00:00:00Z' }, dispute))).resolves.toBe(
      'applied',
    );
    await expect(context.emit(created)).resolves.toBe('duplicate');
    await expect(context.find(ChargeEntity, charge)).resolves.toMatchObject({
      status: 'successful',
      amount: 12345,
      currency: 'THB',
      orderId: 'P26042018-01',
      refundedAmount: 2345,
      disputed: true,
      lastEventId: 'evnt_test_no1t4tnemucod0e51mo',
      lastEventAt: new Date('2019-12-31T12:59:59Z'),
    });
    await expect(context.find(DisputeEntity, 'dspt_test_6344e4i5yv427gaj1s2')).resolves.toMatchObject({ status: 'open', chargeId: charge });
  });

  it('keeps transfers and schedules', async () => {
    await context.emit(fixtureEvent('transfer.update', 'event/omise-node__test_mocks_event_retrieve__reply0.json'));
    await context.emit(omiseEvent('transfer.destroy', { id: 'evnt_test_t', created: '2016-01-07T00:00:00Z' }, {
      object: 'transfer',
      id: 'trsf_test_52lfalf6pgy848klk71',
      livemode: false,
      deleted: true,
    }));
    await expect(context.find(TransferEntity, 'trsf_test_52lfalf6pgy848klk71')).resolves.toMatchObject({ status: 'deleted', amount: 5000 });

    await context.emit(omiseEvent('schedule.create', { id: 'evnt_test_s', created: '2017-05-15T17:35:01Z' }, fixture('schedule/schd_57z9hj228pusa652nk1.active.json')));
    await expect(context.find(ScheduleEntity, 'schd_57z9hj228pusa652nk1')).resolves.toMatchObject({ status: 'running', every: 3 });
  });
});
