import { createDomainTestContext, type DomainTestContext } from '../../common/testing/domain-test-context';
import { fixture, fixtureEvent, omiseEvent } from '../../common/testing/omise-fixtures';
import { ChargeEntity } from '../charge.entity';
import { ChargesModule } from '../charges.module';

// One real charge's history (Omise PHP SDK fixtures): created pending, updated, completed successful.
const created = () => fixtureEvent('charge.create', 'event-extracted/omise-php__tests_fixtures_api.omise.co_events-get__b90eac4__item12__charge.create.json');
const updated = () => fixtureEvent('charge.update', 'event-extracted/omise-php__tests_fixtures_api.omise.co_events-get__b90eac4__item13__charge.update.json');
const completed = () => fixtureEvent('charge.complete', 'event-extracted/omise-php__tests_fixtures_api.omise.co_events-get__b90eac4__item14__charge.complete.json');
const CHARGE = 'chrg_5tfm4xgau1d77ctgqna';

// A charge in each of its states, as the API returned it (Omise PHP SDK fixtures). The recorded
// responses belong to four different charges; the tests give them one id to tell one charge's story.
const PHP_CHARGE = 'chrg_test_63444wyfsg4mtvvck1z';
const PHP_FIXTURES = {
  pending: 'chrg_test_63444wyfsg4mtvvck1z.pending',
  captured: 'chrg_test_6344625jbi1u9z0m01z.captured',
  reversed: 'chrg_test_63444l54oepthq098px.reversed',
  expired: 'chrg_test_6344b4koui4cepimfzl.expired',
};
const phpCharge = (state: keyof typeof PHP_FIXTURES) => ({ ...fixture(`charge/${PHP_FIXTURES[state]}.json`), id: PHP_CHARGE });

describe('ChargeEventsListener (real SQLite)', () => {
  let context: DomainTestContext;
  const charge = (id = CHARGE) => context.find(ChargeEntity, id);

  beforeEach(async () => {
    context = await createDomainTestContext(ChargesModule);
  });
  afterEach(() => context.close());

  describe('status transitions', () => {
    it('charge.create stores a pending charge with its amount, currency and event', async () => {
      await expect(context.emit(created())).resolves.toBe('applied');
      await expect(charge()).resolves.toMatchObject({
        status: 'pending',
        amount: 107000,
        currency: 'THB',
        orderId: null,
        failureCode: null,
        refundedAmount: 0,
        disputed: false,
        lastEventId: 'evnt_5tfm4xhr576xf96shgs',
        lastEventAt: new Date('2022-10-11T09:19:36Z'),
      });
    });

    it('charge.update then charge.complete: pending → successful', async () => {
      await context.emit(created());
      await expect(context.emit(updated())).resolves.toBe('applied');
      await expect(charge()).resolves.toMatchObject({ status: 'pending', lastEventId: 'evnt_5tfm4xm21jpfq3pbddw' });
      await expect(context.emit(completed())).resolves.toBe('applied');
      await expect(charge()).resolves.toMatchObject({ status: 'successful', lastEventId: 'evnt_5tfm4yj5bgk75lc83b7' });
    });

    it.each([
      ['charge.capture', 'successful', 'captured'],
      ['charge.reverse', 'reversed', 'reversed'],
      ['charge.expire', 'expired', 'expired'],
    ] as const)('%s: pending → %s', async (key, status, state) => {
      await context.emit(omiseEvent('charge.create', { id: 'evnt_test_1', created_at: '2025-03-20T09:00:00Z' }, phpCharge('pending')));
      await expect(context.emit(omiseEvent(key, { id: 'evnt_test_2', created_at: '2025-03-20T09:30:00Z' }, phpCharge(state)))).resolves.toBe(
        'applied',
      );
      await expect(charge(PHP_CHARGE)).resolves.toMatchObject({ status, amount: 100000, currency: 'THB' });
    });

    it('a failed charge keeps its failure code and message (charge.complete and charge.failed)', async () => {
      const failed = { ...phpCharge('pending'), status: 'failed', failure_code: 'insufficient_fund', failure_message: 'insufficient funds in the account' };
      await context.emit(omiseEvent('charge.create', { id: 'evnt_test_1', created_at: '2025-03-20T09:00:00Z' }, phpCharge('pending')));
      await expect(context.emit(omiseEvent('charge.complete', { id: 'evnt_test_2', created_at: '2025-03-20T09:01:00Z' }, failed))).resolves.toBe('applied');
      await expect(charge(PHP_CHARGE)).resolves.toMatchObject({
        status: 'failed',
        failureCode: 'insufficient_fund',
        failureMessage: 'insufficient funds in the account',
      });
      await expect(context.emit(omiseEvent('charge.failed', { id: 'evnt_test_3', created_at: '2025-03-20T09:02:00Z' }, failed))).resolves.toBe('applied');
      await expect(charge(PHP_CHARGE)).resolves.toMatchObject({ status: 'failed', lastEventId: 'evnt_test_3' });
    });
  });

  it('takes the order reference from metadata.order_id', async () => {
    await context.emit(fixtureEvent('charge.create', 'event/omise-php__tests_fixtures_api.omise.co_events_evnt_test_no1t4tnemucod0e51mo-get.json'));
    await expect(charge('chrg_test_no1t4tnemucod0e51mo')).resolves.toMatchObject({ orderId: 'P26042018-01', status: 'successful' });
  });

  it('derives the status of the oldest payloads, which have `captured` and `refunded` instead', async () => {
    const old = fixture('charge/chrg_test_4yq7duw15p9hdrjp8oq.no-status.json');
    expect(old.status).toBeUndefined();
    await context.emit(omiseEvent('charge.update', { id: 'evnt_test_1', created: '2015-01-16T07:23:49Z' }, old));
    await expect(charge('chrg_test_4yq7duw15p9hdrjp8oq')).resolves.toMatchObject({
      status: 'successful',
      currency: 'THB',
      refundedAmount: 10000,
      orderId: null,
    });
  });

  describe('out of order and duplicates', () => {
    it('charge.complete before charge.create leaves the charge successful', async () => {
      await expect(context.emit(completed())).resolves.toBe('applied');
      await expect(context.emit(created())).resolves.toBe('skipped');
      await expect(context.emit(updated())).resolves.toBe('skipped');
      await expect(charge()).resolves.toMatchObject({ status: 'successful', lastEventId: 'evnt_5tfm4yj5bgk75lc83b7' });
    });

    it('a stale charge.update after charge.complete does not regress the charge', async () => {
      await context.emit(created());
      await context.emit(completed());
      await expect(context.emit(updated())).resolves.toBe('skipped');
      await expect(charge()).resolves.toMatchObject({ status: 'successful' });
    });

    it('applying the same event twice changes nothing', async () => {
      await context.emit(created());
      const before = await charge();
      await expect(context.emit(created())).resolves.toBe('duplicate');
      await expect(charge()).resolves.toEqual(before);
    });

    it('breaks a tie on creation time by event id, whatever the arrival order', async () => {
      const at = { created_at: '2025-03-20T09:00:00Z' };
      const a = omiseEvent('charge.update', { id: 'evnt_test_a', ...at }, { ...phpCharge('pending'), description: 'a' });
      const b = omiseEvent('charge.update', { id: 'evnt_test_b', ...at }, phpCharge('captured'));
      await expect(context.emit(b)).resolves.toBe('applied');
      await expect(context.emit(a)).resolves.toBe('skipped');
      await expect(charge(PHP_CHARGE)).resolves.toMatchObject({ status: 'successful', lastEventId: 'evnt_test_b' });
    });
  });

  it('the 2017-11-02 shape (created, thb) and the 2019-05-29 shape (created_at, THB) produce the same row', async () => {
    const old = fixtureEvent('charge.create', 'event-extracted/omise-go__testdata_fixtures_api.omise.co_events-get__9da0275__item09__charge.create.json');
    // The recorded 2019-05-29 copy kept the lower-case currency; real 2019-05-29 payloads say THB.
    const current = fixtureEvent('charge.create', 'event-extracted/omise-go__testdata_fixtures_api.omise.co_events-get__item09__charge.create.json', (event) => ({
      ...event,
      data: { ...(event.data as object), currency: 'THB' },
    }));
    expect([old.created, old.created_at, old.data.currency]).toEqual(['2015-11-20T05:48:44Z', undefined, 'thb']);
    expect([current.created, current.created_at, current.data.currency]).toEqual([undefined, '2015-11-20T05:48:44Z', 'THB']);

    await expect(context.emit(old)).resolves.toBe('applied');
    const fromOld = await charge('chrg_test_5232t6h7dzu8e5rmnqv');
    const other = await createDomainTestContext(ChargesModule);
    try {
      await expect(other.emit(current)).resolves.toBe('applied');
      await expect(other.find(ChargeEntity, 'chrg_test_5232t6h7dzu8e5rmnqv')).resolves.toEqual(fromOld);
    } finally {
      await other.close();
    }
    expect(fromOld).toMatchObject({ status: 'successful', currency: 'THB', amount: 204842 });
  });

  describe('refund.create', () => {
    // chrg_test_531gma9h6fqosrlhzsy: created successful, fully refunded two minutes later, then updated.
    const chargeCreated = () => fixtureEvent('charge.create', 'event-extracted/omise-php__tests_fixtures_api.omise.co_events-get__60e0b05__item00__charge.create.json');
    const refunded = () => fixtureEvent('refund.create', 'event-extracted/omise-php__tests_fixtures_api.omise.co_events-get__60e0b05__item01__refund.create.json');
    const chargeUpdated = () => fixtureEvent('charge.update', 'event-extracted/omise-php__tests_fixtures_api.omise.co_events-get__60e0b05__item06__charge.update.json');
    const REFUNDED_CHARGE = 'chrg_test_531gma9h6fqosrlhzsy';

    it('adds the refund to the charge named by refund.charge, once', async () => {
      await context.emit(chargeCreated());
      await expect(context.emit(refunded())).resolves.toBe('applied');
      await expect(charge(REFUNDED_CHARGE)).resolves.toMatchObject({ refundedAmount: 100000, status: 'successful' });
      await expect(context.emit(refunded())).resolves.toBe('duplicate');
      await expect(charge(REFUNDED_CHARGE)).resolves.toMatchObject({ refundedAmount: 100000 });
    });

    it('does not count a refund twice when the charge also reports it', async () => {
      await context.emit(chargeCreated());
      await context.emit(refunded());
      await context.emit(chargeUpdated());
      await expect(charge(REFUNDED_CHARGE)).resolves.toMatchObject({ refundedAmount: 100000, lastEventId: 'evnt_test_531zuvfiyjpe0gp8f45' });
    });

    it('a refund before its charge does not make the charge events stale', async () => {
      await expect(context.emit(refunded())).resolves.toBe('applied');
      await expect(charge(REFUNDED_CHARGE)).resolves.toMatchObject({ refundedAmount: 100000, status: null, lastEventId: null });
      await expect(context.emit(chargeCreated())).resolves.toBe('applied');
      await expect(charge(REFUNDED_CHARGE)).resolves.toMatchObject({ refundedAmount: 100000, status: 'successful', amount: 100000 });
    });

    it('sums several refunds of one charge', async () => {
      await context.emit(chargeCreated());
      const partial = (id: string) => ({ ...fixture('event-extracted/omise-php__tests_fixtures_api.omise.co_events-get__60e0b05__item01__refund.create.json').data as object, id, amount: 30000 });
      await context.emit(omiseEvent('refund.create', { id: 'evnt_test_r1', created: '2016-02-16T04:00:00Z' }, partial('rfnd_test_1')));
      await context.emit(omiseEvent('refund.create', { id: 'evnt_test_r2', created: '2016-02-16T05:00:00Z' }, partial('rfnd_test_2')));
      await expect(charge(REFUNDED_CHARGE)).resolves.toMatchObject({ refundedAmount: 60000 });
    });
  });

  it('ignores a payload without a charge id (a recorded, trimmed event) instead of failing forever', async () => {
    const trimmed = fixtureEvent('charge.create', 'event-extracted/omise-php__tests_fixtures_2019-05-29_api.omise.co_events-get__0d3592e__item00__charge.create.json');
    await expect(context.emit(trimmed)).resolves.toBe('ignored');
    await expect(context.dataSource.getRepository(ChargeEntity).count()).resolves.toBe(0);
  });

  it('throws when the database fails, so the dispatcher can retry', async () => {
    await context.dataSource.query('DROP TABLE charges');
    // Matched by message, not toThrow(): better-sqlite3 registers its error class once per process, so
    // in a second spec file of the same jest worker the error comes from another realm.
    await expect(context.emit(created())).rejects.toMatchObject({ message: expect.stringMatching(/no such table: charges/) });
  });
});
