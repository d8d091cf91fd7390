import { Injectable, Scope } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { OnOmiseEvent, type OmiseEventOf } from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent, waitForOmiseEvents } from 'omise-nest-webhooks/testing';
import { CapturedLogs } from './support/captured-logs';
import { describeOnDatabases } from './support/test-databases';
import { SECRET, useWebhooksTestApp } from './support/webhooks-test-app';

/** A host's audit trail of its own application events, written as a catch-all. */
@Injectable()
class AuditTrail {
  readonly seen: string[] = [];
  failOn?: string;

  @OnEvent('**')
  record(event: { key?: string; id?: string }): void {
    this.seen.push(String(event.key ?? event.id));
    if (event.key !== undefined && event.key === this.failOn) throw new Error('audit store full');
  }
}

@Injectable()
class PaidOrders {
  readonly paid: string[] = [];

  @OnOmiseEvent('charge.complete')
  markPaid(event: OmiseEventOf<'charge.complete'>): void {
    this.paid.push(event.id);
  }
}

/** A listener on a request-scoped provider: the worker, outside any request, cannot call it. */
@Injectable({ scope: Scope.REQUEST })
class PerRequestMailer {
  static calls = 0;

  @OnEvent('refund.create')
  send(): void {
    PerRequestMailer.calls += 1;
  }
}

type Row = { status: string; last_error: string | null };

describeOnDatabases(['sqlite', 'postgres'], 'which listeners the worker calls, on $name', (kind) => {
  const logs = new CapturedLogs();
  const t = useWebhooksTestApp(kind, { providers: [AuditTrail, PaidOrders, PerRequestMailer], logger: logs });
  const row = async (id: string): Promise<Row> => {
    const rows: Row[] = await t.dataSource.query(`SELECT status, last_error FROM omise_webhook_events WHERE event_id = '${id}'`);
    return rows[0];
  };

  it("calls a host's catch-all @OnEvent('**') for every Omise event, as an emit would (the emitter has wildcards on)", async () => {
    const complete = buildOmiseEvent('charge.complete');
    const dispute = buildOmiseEvent('dispute.create');
    await postOmiseEvent(t.app, complete, { secret: SECRET }).expect(200);
    await postOmiseEvent(t.app, dispute, { secret: SECRET }).expect(200);
    await waitForOmiseEvents(t.app, [complete.id, dispute.id]);

    expect(t.app.get(AuditTrail).seen).toEqual(expect.arrayContaining(['charge.complete', 'dispute.create']));
    expect(t.app.get(PaidOrders).paid).toContain(complete.id);
    // Nobody but the catch-all listens to dispute.create: it is processed, not ignored.
    await expect(row(dispute.id)).resolves.toEqual({ status: 'processed', last_error: null });
  });

  it("fails only the catch-all's own run when it throws: the other listeners' runs stand", async () => {
    t.app.get(AuditTrail).failOn = 'charge.complete';
    const event = buildOmiseEvent('charge.complete');
    await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    await waitForOmiseEvents(t.app, event.id);
    t.app.get(AuditTrail).failOn = undefined;

    await expect(row(event.id)).resolves.toEqual({ status: 'failed', last_error: 'AuditTrail.record: audit store full' });
    const runs: Array<{ handler: string; status: string }> = await t.dataSource.query(
      `SELECT handler, status FROM omise_webhook_handler_runs WHERE event_id = '${event.id}' ORDER BY handler`,
    );
    expect(runs).toEqual([
      { handler: 'AuditTrail.record', status: 'failed' },
      { handler: 'PaidOrders.markPaid', status: 'succeeded' },
    ]);
  });

  it('names a request-scoped listener in a warning at boot and never calls it', async () => {
    expect(logs.lines.filter((line) => line.text.includes('PerRequestMailer'))).toEqual([
      {
        level: 'warn',
        text: expect.stringMatching(/^PerRequestMailer\.send listens to refund\.create, but its provider is request-scoped .*cannot call it/) as string,
      },
    ]);
    const event = buildOmiseEvent('refund.create');
    await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    await waitForOmiseEvents(t.app, event.id);
    expect(PerRequestMailer.calls).toBe(0);
  });
});
