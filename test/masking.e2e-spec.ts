import { Injectable } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  OMISE_WEBHOOK_EVENT_DEAD,
  OMISE_WEBHOOK_HANDLER_FAILED,
  type OmiseWebhookEventDead,
  type OmiseWebhookHandlerFailed,
  WebhookEventEntity,
} from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent } from 'omise-nest-webhooks/testing';
import { AdminModule } from '../demo/admin/admin.module';
import { CapturedLogs } from './support/captured-logs';
import { cli } from './support/cli-process';
import { testDatabases } from './support/test-databases';
import { SECRET, useWebhooksTestApp } from './support/webhooks-test-app';

const TOKEN = 'test-admin-token';
const CARD = '4111111111111111';
const SECRET_KEY = 'skey_test_5leakedkey00';

/** A payment gateway's client that quotes what it sent in its error, as real ones do. */
@Injectable()
class LeakyGateway {
  @OnEvent('charge.complete')
  charge(): void {
    throw new Error(`card ${CARD} refused for ${SECRET_KEY} (customer somchai@example.com)`);
  }
}

/** The host's alerting, as the README suggests: it receives the module's lifecycle events. */
@Injectable()
class Pager {
  readonly received: Array<OmiseWebhookHandlerFailed | OmiseWebhookEventDead> = [];

  @OnEvent(OMISE_WEBHOOK_HANDLER_FAILED)
  @OnEvent(OMISE_WEBHOOK_EVENT_DEAD)
  page(payload: OmiseWebhookHandlerFailed | OmiseWebhookEventDead): void {
    this.received.push(payload);
  }
}

/** What must never be seen in any output: the card, the key, and the personal data of the event. */
const SENSITIVE = [CARD, '4111 1111 1111 1111', SECRET_KEY, 'SOMCHAI JAIDEE', 'somchai@example.com', 'tok_secret1', '203.0.113.9', 'FP/fingerprint=', 'TAX-123'];

function expectNothingSensitive(output: string): void {
  for (const value of SENSITIVE) expect(output).not.toContain(value);
}

describe.each(testDatabases())('masking of everything that leaves the process, on $name', (kind) => {
  const logs = new CapturedLogs();
  const spans = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  });
  const t = useWebhooksTestApp(kind, {
    logger: logs,
    tracing: true,
    lifecycleEvents: true,
    providers: [LeakyGateway, Pager],
    imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ ADMIN_TOKEN: TOKEN })] }), AdminModule],
    dispatch: { retry: { maxAttempts: 1 } },
    // The host adds a field of its own; the defaults stay.
    mask: { paths: ['metadata.tax_id'] },
  });
  let work: string;
  const event = buildOmiseEvent('charge.complete', {
    data: {
      card: { name: 'SOMCHAI JAIDEE', fingerprint: 'FP/fingerprint=' },
      authorize_uri: 'https://pay.omise.co/payments/pay2_test_1/authorize?token=tok_secret1',
      ip: '203.0.113.9',
      metadata: { note: 'paid with 4111 1111 1111 1111', tax_id: 'TAX-123' },
    },
  });
  const admin = () => ({ Authorization: `Bearer ${TOKEN}` });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'omise-masking-'));
    await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    await t.worker.idle();
    // Replayed once, so the replay history (what the event had been through) shows the error too.
    await request(t.server).post('/admin/webhooks/replay').set(admin()).send({ eventId: event.id }).expect(200);
    await t.worker.idle();
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    trace.disable();
    context.disable();
  });

  it('stores the error and the body as they were (the table keeps what happened)', async () => {
    const row = await t.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ eventId: event.id });
    expect(row).toMatchObject({ status: 'dead', lastError: expect.stringContaining(`card ${CARD} refused for ${SECRET_KEY}`) });
    expect(row.bodyText).toContain('SOMCHAI JAIDEE');
  });

  it('shows neither the card nor the key nor personal data on the admin page', async () => {
    for (const path of ['/admin/webhooks', '/admin/webhooks/dead-letters', `/admin/webhooks/event/${event.id}`]) {
      const page = await request(t.server).get(path).set(admin()).expect(200);
      expectNothingSensitive(page.text);
      expect(page.text).toContain('card ••••••••••••1111 refused for [masked]');
    }
    const detail = await request(t.server).get(`/admin/webhooks/event/${event.id}`).set(admin()).expect(200);
    expect(detail.text).toContain('&quot;tax_id&quot;: &quot;[masked]&quot;');
    expect(detail.text).toContain('authorize?token=[masked]');
  });

  it('shows neither in the JSON API: the list, the event with its body, runs and replay history', async () => {
    const list = await request(t.server).get('/admin/webhooks/events').set(admin()).expect(200);
    expectNothingSensitive(JSON.stringify(list.body));
    const detail = await request(t.server).get(`/admin/webhooks/events/${event.id}`).set(admin()).expect(200);
    expectNothingSensitive(JSON.stringify(detail.body));
    expect(detail.body).toMatchObject({
      lastError: 'LeakyGateway.charge: card ••••••••••••1111 refused for [masked] (customer [masked])',
      handlerRuns: [expect.objectContaining({ lastError: 'card ••••••••••••1111 refused for [masked] (customer [masked])' })],
      replays: [expect.objectContaining({ before: expect.objectContaining({ lastError: expect.stringContaining('••••1111 refused for [masked]') }) })],
    });
    expect(JSON.parse(detail.body.body as string)).toMatchObject({
      data: { card: { name: '[masked]', fingerprint: '[masked]' }, ip: '[masked]', metadata: { note: 'paid with ••••••••••••1111', tax_id: '[masked]' } },
    });
  });

  it('shows neither in the CLI, as a table or as JSON', async () => {
    const env = { DATABASE_URL: t.db.url };
    const table = await cli(['events', '--status', 'dead'], env, work);
    expect(table).toMatchObject({ code: 0 });
    expect(table.stdout).toContain('card ••••••••••••1111 refused');
    expectNothingSensitive(table.stdout + table.stderr);
    const json = await cli(['events', '--json'], env, work);
    expect(json).toMatchObject({ code: 0 });
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ eventId: event.id, lastError: 'LeakyGateway.charge: card ••••••••••••1111 refused for [masked] (customer [masked])' });
    expectNothingSensitive(json.stdout + json.stderr);
  });

  it("shows neither in the app's log, the lifecycle events' payloads or the spans", () => {
    // The handler failed, the event went dead: each said so in the log, to the pager and in a span.
    expect(logs.lines.filter((line) => line.text.includes('attempt 1 failed (dead'))).toHaveLength(2);
    expectNothingSensitive(logs.lines.map((line) => line.text).join('\n'));
    const pager = t.app.get(Pager).received;
    expect(pager.map((payload) => payload.error)).toEqual(
      expect.arrayContaining(['card ••••••••••••1111 refused for [masked] (customer [masked])', 'LeakyGateway.charge: card ••••••••••••1111 refused for [masked] (customer [masked])']),
    );
    expectNothingSensitive(JSON.stringify(pager));
    const finished = spans.getFinishedSpans();
    expect(finished.filter((span) => span.name === 'omise-webhooks handler LeakyGateway.charge').map((span) => span.status.message)).toEqual([
      'card ••••••••••••1111 refused for [masked] (customer [masked])',
      'card ••••••••••••1111 refused for [masked] (customer [masked])',
    ]);
    expectNothingSensitive(JSON.stringify(finished.map((span) => ({ attributes: span.attributes, status: span.status, events: span.events }))));
  });
});
