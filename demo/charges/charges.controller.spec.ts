import request from 'supertest';
import type { App } from 'supertest/types';
import { createDomainTestContext, type DomainTestContext } from '../common/testing/domain-test-context';
import { fixtureEvent } from '../common/testing/omise-fixtures';
import { ChargesModule } from './charges.module';

describe('GET /charges/:id (real SQLite)', () => {
  let context: DomainTestContext;
  let server: App;

  beforeEach(async () => {
    context = await createDomainTestContext(ChargesModule, { http: true });
    server = context.app!.getHttpServer();
  });
  afterEach(() => context.close());

  it('returns the charge as the webhooks left it', async () => {
    await context.emit(fixtureEvent('charge.create', 'event/omise-php__tests_fixtures_api.omise.co_events_evnt_test_no1t4tnemucod0e51mo-get.json'));
    const response = await request(server).get('/charges/chrg_test_no1t4tnemucod0e51mo').expect(200);
    expect(response.body).toEqual({
      id: 'chrg_test_no1t4tnemucod0e51mo',
      status: 'successful',
      amount: 12345,
      currency: 'THB',
      orderId: 'P26042018-01',
      failureCode: null,
      failureMessage: null,
      refundedAmount: 0,
      disputed: false,
      lastEvent: { id: 'evnt_test_no1t4tnemucod0e51mo', createdAt: '2019-12-31T12:59:59.000Z' },
    });
  });

  it('answers 404 with the reason for a charge no event has named', async () => {
    const response = await request(server).get('/charges/chrg_test_unknown').expect(404);
    expect(response.body.message).toMatch(/No charge "chrg_test_unknown" is recorded/);
  });
});
