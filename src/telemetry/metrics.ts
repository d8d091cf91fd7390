import type { Counter, Gauge, Histogram } from 'prom-client';
import { requireOptionalPeer } from '../common/optional-peer';

type PromClient = typeof import('prom-client');
type Metric = Counter<string> | Gauge<string> | Histogram<string>;

let currentReader: () => Promise<GaugeReading>;

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The gauges read from the database at a scrape. */
export interface GaugeReading {
  /** Events per working status: pending, processing, failed, dead. */
  byStatus: Readonly<Record<string, number>>;
  oldestDueAgeSeconds: number;
}

/**
 * The module's Prometheus metrics, in the host's default prom-client registry, so the host's own
 * `/metrics` shows them. No label takes an unbounded value: outcomes and refusal reasons are fixed
 * lists, handlers are the host's `Class.method` names; never an event id or key.
 */
export class WebhooksMetrics {
  readonly deliveries: Counter<'outcome' | 'reason'>;
  readonly intakeDuration: Histogram<'outcome'>;
  readonly claims: Counter;
  readonly claimedEvents: Counter;
  readonly handlerRuns: Counter<'handler' | 'outcome'>;
  readonly handlerDuration: Histogram<'handler'>;
  readonly finished: Counter<'status'>;
  readonly retries: Counter;
  readonly deadLetters: Counter;
  readonly lostLeases: Counter;
  readonly reconciled: Counter<'outcome'>;
  readonly breakerTransitions: Counter<'to'>;
  readonly breakerOpen: Gauge;

  /**
   * `read` is called at each scrape; it caches, so a scrape every second costs the database little.
   * With two apps in one process (tests) the metrics are shared and the last one booted is read.
   */
  constructor(read: () => Promise<GaugeReading>) {
    currentReader = read;
    const client = requireOptionalPeer<PromClient>('prom-client', 'WebhooksModule `metrics: true`');
    /**
     * The metric registered under `name` (by another app in this process, as in tests, which then
     * share it), else a new one: prom-client refuses to register a name twice.
     */
    const metric = <M extends Metric>(name: string, create: (name: string) => M): M =>
      (client.register.getSingleMetric(name) as M | undefined) ?? create(name);

    this.deliveries = metric('omise_webhooks_deliveries_total', (name) => new client.Counter({
      name,
      help: 'Deliveries to the webhook endpoint by outcome (stored, duplicate, refused) and, for refusals, reason.',
      labelNames: ['outcome', 'reason'],
    }));
    this.intakeDuration = metric('omise_webhooks_intake_duration_seconds', (name) => new client.Histogram({
      name,
      help: 'Time from the first byte of a delivery to its answer, by outcome (stored, duplicate, refused).',
      labelNames: ['outcome'],
      buckets: SECONDS,
    }));
    const oldestDueAge = metric('omise_webhooks_oldest_due_event_age_seconds', (name) => new client.Gauge({
      name,
      help: 'How long the oldest event due for dispatch (pending, or failed and due for its retry) has waited; 0 when none.',
    }));
    metric('omise_webhooks_events', (name) => new client.Gauge({
      name,
      help: 'Stored events waiting or needing a person, by status (pending, processing, failed, dead).',
      labelNames: ['status'],
      async collect() {
        const reading = await currentReader();
        for (const [status, count] of Object.entries(reading.byStatus)) this.set({ status }, count);
        oldestDueAge.set(reading.oldestDueAgeSeconds);
      },
    }));
    this.claims = metric('omise_webhooks_claims_total', (name) => new client.Counter({ name, help: 'Claims the worker made that returned events.' }));
    this.claimedEvents = metric('omise_webhooks_claimed_events_total', (name) => new client.Counter({ name, help: 'Events the worker claimed.' }));
    this.handlerRuns = metric('omise_webhooks_handler_runs_total', (name) => new client.Counter({
      name,
      help: 'Handler runs by handler (Class.method) and outcome (succeeded, failed).',
      labelNames: ['handler', 'outcome'],
    }));
    this.handlerDuration = metric('omise_webhooks_handler_duration_seconds', (name) => new client.Histogram({
      name,
      help: 'Time a handler took, by handler (Class.method).',
      labelNames: ['handler'],
      buckets: SECONDS,
    }));
    this.finished = metric('omise_webhooks_events_finished_total', (name) => new client.Counter({
      name,
      help: 'Dispatch attempts by how they ended the event: processed, ignored, failed (will retry), dead.',
      labelNames: ['status'],
    }));
    this.retries = metric('omise_webhooks_retries_total', (name) => new client.Counter({ name, help: 'Events scheduled for another attempt after a handler failed.' }));
    this.deadLetters = metric('omise_webhooks_dead_letters_total', (name) => new client.Counter({ name, help: 'Events that ran out of attempts (dead, waiting for a replay).' }));
    this.lostLeases = metric('omise_webhooks_lost_leases_total', (name) => new client.Counter({
      name,
      help: 'Events whose handlers finished after their lease ran out (another worker may have claimed them).',
    }));
    this.reconciled = metric('omise_webhooks_reconciled_events_total', (name) => new client.Counter({
      name,
      help: 'Events the scheduled reconciliation listed in the Omise Events API, by outcome: missing (stored by it), already_stored, refused.',
      labelNames: ['outcome'],
    }));
    this.breakerTransitions = metric('omise_webhooks_store_breaker_transitions_total', (name) => new client.Counter({
      name,
      help: 'Times the store breaker opened (the database stopped answering: calls refused at once) or closed again, by the state it went to.',
      labelNames: ['to'],
    }));
    this.breakerOpen = metric('omise_webhooks_store_breaker_open', (name) => new client.Gauge({
      name,
      help: '1 while the store breaker is open (every delivery answered 503 at once), else 0.',
    }));
  }
}
