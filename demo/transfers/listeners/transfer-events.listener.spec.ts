import { createDomainTestContext, type DomainTestContext } from '../../common/testing/domain-test-context';
import { fixture, fixtureEvent, omiseEvent } from '../../common/testing/omise-fixtures';
import { TransferEntity } from '../transfer.entity';
import { TransfersModule } from '../transfers.module';

// A 2025 transfer as the API created it (sent: false, paid: false), and its later states. Omise's
// recorded responses stop at creation and deletion; sending, paying and failing only flip the flags.
const TRANSFER = 'trsf_test_6344mzlz6y6nbeiaoxv';
const createdTransfer = () => fixture(`transfer/${TRANSFER}.created.json`);
const at = (minute: number) => `2025-03-20T10:${String(minute).padStart(2, '0')}:00Z`;

describe('TransferEventsListener (real SQLite)', () => {
  let context: DomainTestContext;
  const transfer = (id = TRANSFER) => context.find(TransferEntity, id);

  beforeEach(async () => {
    context = await createDomainTestContext(TransfersModule);
  });
  afterEach(() => context.close());

  describe('status transitions', () => {
    it('transfer.create stores a pending transfer', async () => {
      await expect(context.emit(omiseEvent('transfer.create', { id: 'evnt_test_1', created_at: at(0) }, createdTransfer()))).resolves.toBe(
        'applied',
      );
      await expect(transfer()).resolves.toMatchObject({
        status: 'pending',
        amount: 100000,
        currency: 'THB',
        recipientId: 'recp_test_62e6vi6h2cnhukcqr13',
        failureCode: null,
        lastEventId: 'evnt_test_1',
      });
    });

    it('transfer.send then transfer.pay: pending → sent → paid', async () => {
      await context.emit(omiseEvent('transfer.create', { id: 'evnt_test_1', created_at: at(0) }, createdTransfer()));
      await expect(
        context.emit(omiseEvent('transfer.send', { id: 'evnt_test_2', created_at: at(1) }, { ...createdTransfer(), sent: true })),
      ).resolves.toBe('applied');
      await expect(transfer()).resolves.toMatchObject({ status: 'sent' });
      await expect(
        context.emit(omiseEvent('transfer.pay', { id: 'evnt_test_3', created_at: at(2) }, { ...createdTransfer(), sent: true, paid: true })),
      ).resolves.toBe('applied');
      await expect(transfer()).resolves.toMatchObject({ status: 'paid' });
    });

    it('transfer.fail records the failure code and message', async () => {
      await context.emit(omiseEvent('transfer.create', { id: 'evnt_test_1', created_at: at(0) }, createdTransfer()));
      const failed = { ...createdTransfer(), sent: true, failure_code: 'insufficient_balance', failure_message: 'insufficient balance' };
      await expect(context.emit(omiseEvent('transfer.fail', { id: 'evnt_test_2', created_at: at(1) }, failed))).resolves.toBe('applied');
      await expect(transfer()).resolves.toMatchObject({
        status: 'failed',
        failureCode: 'insufficient_balance',
        failureMessage: 'insufficient balance',
      });
    });

    it('transfer.update from a 2016 payload (created_at, lower-case currency)', async () => {
      await expect(context.emit(fixtureEvent('transfer.update', 'event/omise-node__test_mocks_event_retrieve__reply0.json'))).resolves.toBe(
        'applied',
      );
      await expect(transfer('trsf_test_52lfalf6pgy848klk71')).resolves.toMatchObject({ status: 'pending', amount: 5000, currency: 'THB' });
    });

    it('transfer.destroy with the whole transfer → deleted', async () => {
      await context.emit(omiseEvent('transfer.create', { id: 'evnt_test_1', created_at: at(0) }, createdTransfer()));
      const deleted = fixture(`transfer/${TRANSFER}.deleted.json`);
      await expect(context.emit(omiseEvent('transfer.destroy', { id: 'evnt_test_2', created_at: at(1) }, deleted))).resolves.toBe('applied');
      await expect(transfer()).resolves.toMatchObject({ status: 'deleted', amount: 5000 });
    });

    it('transfer.destroy with the old stub keeps what earlier events said', async () => {
      const paid = fixture('transfer/trsf_test_4yqacz8t3cbipcj766u.paid.json');
      await context.emit(omiseEvent('transfer.pay', { id: 'evnt_test_1', created: '2015-01-15T10:05:00Z' }, paid));
      const stub = fixture('transfer/trsf_test_4yqacz8t3cbipcj766u.deleted-stub.json');
      expect(Object.keys(stub)).toEqual(['object', 'id', 'livemode', 'deleted']);
      await expect(context.emit(omiseEvent('transfer.destroy', { id: 'evnt_test_2', created: '2015-01-16T00:00:00Z' }, stub))).resolves.toBe('applied');
      await expect(transfer('trsf_test_4yqacz8t3cbipcj766u')).resolves.toMatchObject({
        status: 'deleted',
        amount: 192188,
        currency: 'THB',
        recipientId: 'recp_test_50894vc13y8z4v51iuc',
      });
    });

    it('a recorded transfer.destroy stub for a transfer never seen before', async () => {
      await expect(context.emit(fixtureEvent('transfer.destroy', 'event/omise-go__testdata_fixtures_api.omise.co_events_evnt_test_526yctupnje5mbldskd-get.json'))).resolves.toBe(
        'applied',
      );
      await expect(transfer('trsf_test_526yctqob5djkckq88a')).resolves.toMatchObject({ status: 'deleted', amount: null });
    });
  });

  describe('out of order and duplicates', () => {
    it('transfer.pay before transfer.send leaves the transfer paid', async () => {
      await context.emit(omiseEvent('transfer.pay', { id: 'evnt_test_3', created_at: at(2) }, { ...createdTransfer(), sent: true, paid: true }));
      await expect(
        context.emit(omiseEvent('transfer.send', { id: 'evnt_test_2', created_at: at(1) }, { ...createdTransfer(), sent: true })),
      ).resolves.toBe('skipped');
      await expect(context.emit(omiseEvent('transfer.create', { id: 'evnt_test_1', created_at: at(0) }, createdTransfer()))).resolves.toBe(
        'skipped',
      );
      await expect(transfer()).resolves.toMatchObject({ status: 'paid', lastEventId: 'evnt_test_3' });
    });

    it('applying the same event twice changes nothing', async () => {
      const event = omiseEvent('transfer.create', { id: 'evnt_test_1', created_at: at(0) }, createdTransfer());
      await context.emit(event);
      const before = await transfer();
      await expect(context.emit(event)).resolves.toBe('duplicate');
      await expect(transfer()).resolves.toEqual(before);
    });
  });
});
