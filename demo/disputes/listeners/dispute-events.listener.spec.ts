import { ChargeEntity } from '../../charges/charge.entity';
import { ChargesService } from '../../charges/charges.service';
import { createDomainTestContext, type DomainTestContext } from '../../common/testing/domain-test-context';
import { fixture, omiseEvent } from '../../common/testing/omise-fixtures';
import { DisputeEntity } from '../dispute.entity';
import { DisputesModule } from '../disputes.module';

// A 2015 dispute as the API returned it when opened, and after the merchant accepted it (Omise Ruby
// SDK fixtures, `created` shape). Omise recorded no won or closed dispute: those flip `status`.
const DISPUTE = 'dspt_test_5089off452g5m5te7xs';
const CHARGE = 'chrg_test_5089odjlzg9j7tw4i1q';
const opened = () => fixture(`dispute/${DISPUTE}.open.json`);
const accepted = () => fixture(`dispute/${DISPUTE}.accepted.json`);
const at = (minute: number) => `2015-06-02T10:${String(minute).padStart(2, '0')}:00Z`;

describe('DisputeEventsListener (real SQLite)', () => {
  let context: DomainTestContext;
  const dispute = () => context.find(DisputeEntity, DISPUTE);
  const charge = () => context.find(ChargeEntity, CHARGE);
  const chargeCreated = (minute: number) =>
    omiseEvent('charge.create', { id: `evnt_test_charge_${minute}`, created: at(minute) }, {
      ...fixture('charge/chrg_test_4yq7duw15p9hdrjp8oq.no-status.json'),
      id: CHARGE,
      dispute: null,
    });

  beforeEach(async () => {
    context = await createDomainTestContext(DisputesModule);
  });
  afterEach(() => context.close());

  describe('status transitions', () => {
    it('dispute.create opens the dispute and marks its charge disputed', async () => {
      await context.emit(chargeCreated(0));
      await expect(context.emit(omiseEvent('dispute.create', { id: 'evnt_test_1', created: at(22) }, opened()))).resolves.toBe('applied');
      await expect(dispute()).resolves.toMatchObject({ status: 'open', chargeId: CHARGE, amount: 100000, currency: 'THB' });
      await expect(charge()).resolves.toMatchObject({ disputed: true, status: 'successful' });
    });

    it('dispute.update: open → pending (the merchant answered)', async () => {
      await context.emit(omiseEvent('dispute.create', { id: 'evnt_test_1', created: at(22) }, opened()));
      await expect(
        context.emit(omiseEvent('dispute.update', { id: 'evnt_test_2', created: at(30) }, { ...opened(), status: 'pending', message: 'proof sent' })),
      ).resolves.toBe('applied');
      await expect(dispute()).resolves.toMatchObject({ status: 'pending' });
    });

    it('dispute.accept: the merchant concedes, the dispute is lost', async () => {
      await context.emit(omiseEvent('dispute.create', { id: 'evnt_test_1', created: at(22) }, opened()));
      await expect(context.emit(omiseEvent('dispute.accept', { id: 'evnt_test_2', created: at(30) }, accepted()))).resolves.toBe('applied');
      await expect(dispute()).resolves.toMatchObject({ status: 'lost' });
    });

    it.each(['won', 'lost', 'closed'])('dispute.close → %s', async (status) => {
      await context.emit(omiseEvent('dispute.create', { id: 'evnt_test_1', created: at(22) }, opened()));
      await expect(
        context.emit(omiseEvent('dispute.close', { id: 'evnt_test_2', created: at(40) }, { ...opened(), status })),
      ).resolves.toBe('applied');
      await expect(dispute()).resolves.toMatchObject({ status });
      // A dispute that was won was still a dispute: the charge stays flagged.
      await expect(charge()).resolves.toMatchObject({ disputed: true });
    });
  });

  describe('out of order and duplicates', () => {
    it('dispute.close before dispute.create leaves the dispute closed', async () => {
      await context.emit(omiseEvent('dispute.close', { id: 'evnt_test_2', created: at(40) }, { ...opened(), status: 'won' }));
      await expect(context.emit(omiseEvent('dispute.create', { id: 'evnt_test_1', created: at(22) }, opened()))).resolves.toBe('skipped');
      await expect(dispute()).resolves.toMatchObject({ status: 'won', lastEventId: 'evnt_test_2' });
      await expect(charge()).resolves.toMatchObject({ disputed: true });
    });

    it('a dispute before its charge: the later charge events fill the row and keep the flag', async () => {
      await context.emit(omiseEvent('dispute.create', { id: 'evnt_test_1', created: at(22) }, opened()));
      await expect(charge()).resolves.toMatchObject({ disputed: true, status: null });
      await expect(context.emit(chargeCreated(0))).resolves.toBe('applied');
      await expect(charge()).resolves.toMatchObject({ disputed: true, status: 'successful', amount: 100000 });
    });

    it('applying the same event twice changes nothing', async () => {
      const event = omiseEvent('dispute.create', { id: 'evnt_test_1', created: at(22) }, opened());
      await context.emit(event);
      const before = [await dispute(), await charge()];
      await expect(context.emit(event)).resolves.toBe('duplicate');
      await expect(Promise.all([dispute(), charge()])).resolves.toEqual(before);
    });
  });

  it('throws when the charge cannot be marked, and the retry finishes the job', async () => {
    const event = omiseEvent('dispute.create', { id: 'evnt_test_1', created: at(22) }, opened());
    // The one stand-in of these specs: a database failure at exactly this step.
    jest.spyOn(context.module.get(ChargesService), 'markDisputed').mockRejectedValueOnce(new Error('connection lost'));
    await expect(context.emit(event)).rejects.toThrow('connection lost');
    await expect(charge()).resolves.toBeNull();
    // The dispute row was written before the failure, so the retry is a duplicate for it, but it
    // still marks the charge.
    await expect(context.emit(event)).resolves.toBe('duplicate');
    await expect(charge()).resolves.toMatchObject({ disputed: true });
  });
});
