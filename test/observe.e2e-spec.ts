import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  OMISE_WEBHOOK_EVENT_DEAD,
  OMISE_WEBHOOK_HANDLER_FAILED,
  OnOmiseEvent,
  type OmiseEventOf,
  type OmiseWebhookEventDead,
  type OmiseWebhookHandlerFailed,
  WebhooksHealthIndicator,
} from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent } from 'omise-nest-webhooks/testing';
import { register } from 'prom-client';
import request from 'supertest';
import { waitFor } from './support/child-app';
import { describeOnDatabases } from './support/test-databases';
import { SECRET, startWebhooksTestApp, useWebhooksTestApp } from './support/webhooks-test-app';

/** The host's `/metrics`: prom-client's default registry, where the module puts its metrics. */
@Controller('metrics')
class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}

/** A handler that fails for refunds, and one that succeeds for charges. */
@Injectable()
class Ledger {
  readonly recorded: string[] = [];

  @OnOmiseEvent('charge.complete')
  record(event: OmiseEventOf<'charge.complete'>): void {
    this.recorded.push(event.id);
  }

  @OnOmiseEvent('refund.create')
  refund(event: OmiseEventOf<'refund.create'>): void {
    throw new Error(`ledger closed for ${event.data.id}`);
  }
}

/** What a host's pager would receive. */
@Injectable()
class Pager {
  readonly dead: OmiseWebhookEventDead[] = [];
  readonly failed: OmiseWebhookHandlerFailed[] = [];

  @OnEvent(OMISE_WEBHOOK_EVENT_DEAD)
  onDead(payload: OmiseWebhookEventDead): void {
    this.dead.push(payload);
  }

  @OnEvent(OMISE_WEBHOOK_HANDLER_FAILED)
  onFailed(payload: OmiseWebhookHandlerFailed): void {
    this.failed.push(payload);
  }
}

/** One sample of the `/metrics` text: the value of `name{labels}`, 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

// SQLite keeps it quick; the gauges' SQL is the same range query on every database (PostgreSQL too).
describeOnDatabases(['sqlite', 'postgres'], 'operating the module on $name', (kind) => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();

  // Before the app starts, so its spans go to the exporter; after it closed, the globals go.
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
  });
  const t = useWebhooksTestApp(kind, {
    metrics: true,
    tracing: true,
    lifecycleEvents: true,
    dispatch: { retry: { maxAttempts: 1 } },
    providers: [Ledger, Pager],
    controllers: [MetricsController],
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  const metrics = async () => (await request(t.server).get('/metrics').expect(200)).text;

  it('counts deliveries by outcome and refusals by reason, and times them, in /metrics', async () => {
    const before = await metrics();
    const event = buildOmiseEvent('charge.complete');
    await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    await postOmiseEvent(t.app, buildOmiseEvent('charge.complete'), { secret: Buffer.from('forged').toString('base64') }).expect(401);
    await t.worker.idle();

    const after = await metrics();
    const delta = (name: string, labels = '') => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('omise_webhooks_deliveries_total', 'outcome="stored",reason="",account="default"')).toBe(1);
    expect(delta('omise_webhooks_deliveries_total', 'outcome="duplicate",reason="",account="default"')).toBe(1);
    expect(delta('omise_webhooks_deliveries_total', 'outcome="refused",reason="signature_mismatch",account="default"')).toBe(1);
    expect(delta('omise_webhooks_intake_duration_seconds_count', 'outcome="stored"')).toBe(1);
    expect(delta('omise_webhooks_handler_runs_total', 'handler="Ledger.record",outcome="succeeded"')).toBe(1);
    expect(delta('omise_webhooks_handler_duration_seconds_count', 'handler="Ledger.record"')).toBe(1);
    expect(delta('omise_webhooks_events_finished_total', 'status="processed",account="default"')).toBe(1);
    expect(delta('omise_webhooks_claimed_events_total')).toBeGreaterThanOrEqual(1);
    expect(t.app.get(Ledger).recorded).toContain(event.id);
    // No label carries an event id.
    expect(after).not.toContain(event.id);
  });

  it('shows the backlog and a failing handler: events by status, oldest due age, dead letters', async () => {
    const refund = buildOmiseEvent('refund.create');
    await postOmiseEvent(t.app, refund, { secret: SECRET }).expect(200);
    await t.worker.idle();

    // The gauges are read from the database at most once a second: poll until the scrape shows it.
    const text = await waitFor('the dead event in /metrics', async () => {
      const scraped = await metrics();
      return sample(scraped, 'omise_webhooks_events', 'status="dead"') >= 1 ? scraped : undefined;
    });
    expect(sample(text, 'omise_webhooks_handler_runs_total', 'handler="Ledger.refund",outcome="failed"')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'omise_webhooks_dead_letters_total')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^omise_webhooks_oldest_due_event_age_seconds \d/m);
  });

  it('emits handler.failed and event.dead through the host emitter, with no body', async () => {
    const pager = t.app.get(Pager);
    const refund = buildOmiseEvent('refund.create');
    await postOmiseEvent(t.app, refund, { secret: SECRET }).expect(200);
    await t.worker.idle();

    expect(pager.failed.filter((failure) => failure.eventId === refund.id)).toEqual([
      { eventId: refund.id, account: 'default', key: 'refund.create', handler: 'Ledger.refund', attempts: 1, error: `ledger closed for ${refund.data.id}` },
    ]);
    expect(pager.dead.filter((dead) => dead.eventId === refund.id)).toEqual([
      { eventId: refund.id, account: 'default', key: 'refund.create', attempts: 1, error: `Ledger.refund: ledger closed for ${refund.data.id}` },
    ]);
    expect(JSON.stringify(pager.dead)).not.toContain('"data"');
  });

  it('traces intake (verify, store) and dispatch, linked through the stored traceparent, with a span per handler', async () => {
    const event = buildOmiseEvent('charge.complete');
    await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200);
    await t.worker.idle();

    const spans = exporter.getFinishedSpans();
    const named = (name: string) => spans.filter((span) => span.name === name && span.attributes['omise.event.id'] === event.id);
    const [intake] = named('omise-webhooks intake');
    const [dispatch] = named('omise-webhooks dispatch');
    const [handler] = named('omise-webhooks handler Ledger.record');
    expect(intake).toBeDefined();
    expect(intake.attributes).toMatchObject({ 'omise.event.key': 'charge.complete', 'omise.intake.outcome': 'stored' });
    const childrenOf = (parent: ReadableSpan) => spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId).map((span) => span.name);
    expect(childrenOf(intake).sort()).toEqual(['omise-webhooks store', 'omise-webhooks verify']);

    // Dispatch is its own trace, later, linked to the intake that stored the event.
    expect(dispatch.spanContext().traceId).not.toBe(intake.spanContext().traceId);
    expect(dispatch.links.map((link) => link.context.spanId)).toEqual([intake.spanContext().spanId]);
    expect(handler.parentSpanContext?.spanId).toBe(dispatch.spanContext().spanId);
    const [row] = await t.dataSource.query<Array<{ trace_parent: string }>>(`SELECT trace_parent FROM omise_webhook_events WHERE event_id = '${event.id}'`);
    expect(row.trace_parent).toBe(`00-${intake.spanContext().traceId}-${intake.spanContext().spanId}-01`);
  });

  it('reports health: alive while the worker sweeps, ready while the database answers and nothing due waits too long', async () => {
    const health = t.app.get(WebhooksHealthIndicator);
    expect(health.isAlive('worker')).toEqual({ worker: { status: 'up', lastSweepMsAgo: expect.any(Number) } });
    await expect(health.isReady('webhooks')).resolves.toMatchObject({ webhooks: { status: 'up', database: 'up', expiredLeases: 0 } });

    // An instance that only takes deliveries, with an event waiting ten minutes for a worker.
    const intakeOnly = await startWebhooksTestApp(t.db, { dispatch: { enabled: false } });
    try {
      const event = buildOmiseEvent('charge.complete');
      await postOmiseEvent(intakeOnly.app, event, { secret: SECRET }).expect(200);
      await intakeOnly.dataSource.query(`UPDATE omise_webhook_events SET next_attempt_at = next_attempt_at - 600000, status = 'pending' WHERE event_id = '${event.id}'`);
      const stale = intakeOnly.app.get(WebhooksHealthIndicator);
      expect(stale.isAlive('worker')).toEqual({ worker: { status: 'up', dispatch: 'disabled' } });
      await expect(stale.isReady('webhooks', { maxDueAgeMs: 60_000 })).resolves.toMatchObject({
        webhooks: { status: 'down', database: 'up', pending: 1, oldestDueAgeMs: expect.any(Number) },
      });
      await intakeOnly.dataSource.query(`DELETE FROM omise_webhook_events WHERE event_id = '${event.id}'`);
    } finally {
      await intakeOnly.close();
    }

    // A worker that stopped sweeping is not alive.
    await t.worker.beforeApplicationShutdown();
    expect(health.isAlive('worker')).toEqual({ worker: { status: 'down', lastSweepMsAgo: null } });
  });
});
