import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Span } from '@opentelemetry/api';
import type { OmiseEvent } from '../events/omise-event';
import type { AttemptOutcome } from '../store/dispatch-store';
import type { Masker } from '../masking/masker';
import { Database } from '../store/database';
import { EventStats } from '../store/event-stats';
import type { IntakeOutcome } from '../store/intake-store';
import { WebhooksConfig } from '../webhooks.config';
import {
  OMISE_WEBHOOK_EVENT_DEAD,
  OMISE_WEBHOOK_HANDLER_FAILED,
  type OmiseWebhookEventDead,
  type OmiseWebhookHandlerFailed,
} from './lifecycle-events';
import { type GaugeReading, WebhooksMetrics } from './metrics';
import { WebhooksTracing } from './tracing';

/** One delivery's metrics and span, from its first byte to its answer. */
export interface IntakeTrace {
  readonly startedAt: bigint;
  readonly span?: Span;
}

/** How a delivery was answered: stored or duplicate, or refused with a reason and status. */
export type IntakeAnswer = IntakeOutcome | { refused: string; status: number };

/** What a reconciliation run found, as the metrics count it. */
export interface ReconciledCounts {
  missing: number;
  alreadyStored: number;
  refused: number;
}

/** How long a gauge reading is reused: however often the host scrapes, the database is read once a second at most. */
const GAUGE_CACHE_MS = 1_000;

/**
 * Where intake and dispatch report what they do: Prometheus metrics (`metrics: true`), spans
 * (`tracing: true`), and lifecycle events for alerting (`lifecycleEvents: true`). Each is off unless
 * the host enables it, and then costs a branch per call.
 */
@Injectable()
export class WebhooksTelemetry {
  private readonly logger = new Logger('OmiseWebhooks');
  private readonly metrics?: WebhooksMetrics;
  private readonly tracing?: WebhooksTracing;
  private readonly lifecycle: boolean;
  private gauges?: { at: number; reading: Promise<GaugeReading> };

  /** What spans, lifecycle payloads and log lines say of an error passes through it: errors carry payload data. */
  private readonly mask: Masker;

  constructor(
    @Inject(WebhooksConfig) config: WebhooksConfig,
    private readonly stats: EventStats,
    private readonly emitter: EventEmitter2,
    db: Database,
  ) {
    this.mask = config.mask;
    if (config.metrics) this.metrics = new WebhooksMetrics(() => this.readGauges());
    db.breaker.onChange((state) => {
      this.metrics?.breakerTransitions.inc({ to: state });
      this.metrics?.breakerOpen.set(state === 'open' ? 1 : 0);
    });
    if (config.tracing) this.tracing = new WebhooksTracing();
    this.lifecycle = config.lifecycleEvents;
  }

  // ---- intake: one delivery, from its first byte to its answer

  /** A delivery's first byte: its trace, or undefined when metrics and tracing are both off. */
  intakeStarted(): IntakeTrace | undefined {
    if (!this.metrics && !this.tracing) return undefined;
    return { startedAt: process.hrtime.bigint(), span: this.tracing?.start('omise-webhooks intake') };
  }

  /** Runs one step of intake (`verify`, `store`) in a span of its own under the intake's. */
  step<T>(trace: IntakeTrace | undefined, name: 'verify' | 'store', work: () => T): T {
    const parent = trace?.span;
    if (!parent || !this.tracing) return work();
    const span = this.tracing.child(parent, `omise-webhooks ${name}`);
    try {
      const result = work();
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => (this.tracing?.end(span), value),
          (error: unknown) => {
            this.tracing?.end(span, this.mask.text((error as Error).message));
            throw error;
          },
        ) as T;
      }
      this.tracing.end(span);
      return result;
    } catch (error) {
      this.tracing.end(span, this.mask.text((error as Error).message));
      throw error;
    }
  }

  /** The delivery's event is known: its id and key on the intake span. */
  intakeEvent(trace: IntakeTrace | undefined, event: OmiseEvent): void {
    trace?.span?.setAttributes({ 'omise.event.id': event.id, 'omise.event.key': event.key });
  }

  /** The intake span's traceparent, stored with the event so its dispatch links to it. */
  traceParentOf(trace: IntakeTrace | undefined): string | null {
    return trace?.span && this.tracing ? this.tracing.traceParent(trace.span) : null;
  }

  intakeAnswered(trace: IntakeTrace | undefined, answer: IntakeAnswer): void {
    if (!this.metrics && !this.tracing) return;
    const outcome = typeof answer === 'string' ? answer : 'refused';
    const reason = typeof answer === 'string' ? '' : answer.refused;
    this.metrics?.deliveries.inc({ outcome, reason });
    if (!trace) return;
    this.metrics?.intakeDuration.observe({ outcome }, Number(process.hrtime.bigint() - trace.startedAt) / 1e9);
    if (trace.span && this.tracing) {
      trace.span.setAttributes({ 'omise.intake.outcome': outcome, ...(reason ? { 'omise.intake.reason': reason } : {}) });
      this.tracing.end(trace.span, typeof answer !== 'string' && answer.status >= 500 ? reason : undefined);
    }
  }

  // ---- dispatch

  claimed(count: number): void {
    if (count === 0 || !this.metrics) return;
    this.metrics.claims.inc();
    this.metrics.claimedEvents.inc(count);
  }

  /** Runs one event's dispatch in a span linked to the intake that stored it. */
  dispatching<T>(event: { eventId: string; key?: string; traceParent: string | null; attempts: number }, work: () => Promise<T>): Promise<T> {
    if (!this.tracing) return work();
    const tracing = this.tracing;
    const span = tracing.linked('omise-webhooks dispatch', event.traceParent, {
      'omise.event.id': event.eventId,
      ...(event.key ? { 'omise.event.key': event.key } : {}),
      'omise.dispatch.attempt': event.attempts,
    });
    return tracing.within(span, work).then(
      (result) => (tracing.end(span), result),
      (error: unknown) => {
        tracing.end(span, this.mask.text((error as Error).message));
        throw error;
      },
    );
  }

  /** Runs one handler (its span, its duration and outcome); resolves to its error message or null. */
  async handling(handler: string, event: OmiseEvent, attempts: number, run: () => Promise<string | null>): Promise<string | null> {
    const startedAt = this.metrics ? process.hrtime.bigint() : 0n;
    // Started under the active dispatch span (dispatching() runs the handlers within it).
    const span = this.tracing?.start(`omise-webhooks handler ${handler}`, {
      'omise.event.id': event.id,
      'omise.event.key': event.key,
      'omise.handler': handler,
    });
    const error = span && this.tracing ? await this.tracing.within(span, run) : await run();
    if (span) this.tracing?.end(span, error === null ? undefined : this.mask.text(error));
    if (this.metrics) {
      this.metrics.handlerRuns.inc({ handler, outcome: error === null ? 'succeeded' : 'failed' });
      this.metrics.handlerDuration.observe({ handler }, Number(process.hrtime.bigint() - startedAt) / 1e9);
    }
    if (error !== null && this.lifecycle) {
      this.emit<OmiseWebhookHandlerFailed>(OMISE_WEBHOOK_HANDLER_FAILED, { eventId: event.id, key: event.key, handler, attempts, error: this.mask.text(error) });
    }
    return error;
  }

  /** An event's attempt ended (its outcome is about to be written). */
  finished(outcome: AttemptOutcome, key: string, attempts: number): void {
    this.metrics?.finished.inc({ status: outcome.status });
    if (outcome.status === 'failed') this.metrics?.retries.inc();
    if (outcome.status !== 'dead') return;
    this.metrics?.deadLetters.inc();
    if (this.lifecycle) {
      this.emit<OmiseWebhookEventDead>(OMISE_WEBHOOK_EVENT_DEAD, { eventId: outcome.eventId, key, attempts, error: this.mask.text(outcome.lastError ?? '') });
    }
  }

  /** A scheduled reconciliation run ended; `missing` counts the events it stored. */
  reconciled(counts: ReconciledCounts): void {
    if (!this.metrics) return;
    this.metrics.reconciled.inc({ outcome: 'missing' }, counts.missing);
    this.metrics.reconciled.inc({ outcome: 'already_stored' }, counts.alreadyStored);
    this.metrics.reconciled.inc({ outcome: 'refused' }, counts.refused);
  }

  lostLeases(count: number): void {
    if (count > 0) this.metrics?.lostLeases.inc(count);
  }

  private emit<T>(name: string, payload: T): void {
    try {
      this.emitter.emit(name, payload);
    } catch (error) {
      // A listener of the host that throws must not change what happens to the event.
      this.logger.error(`a listener of ${name} failed: ${this.mask.line((error as Error).message)}`);
    }
  }

  private readGauges(): Promise<GaugeReading> {
    const now = Date.now();
    if (!this.gauges || now - this.gauges.at > GAUGE_CACHE_MS) {
      const reading = this.stats.read(0).then((stats) => ({ byStatus: stats.byStatus, oldestDueAgeSeconds: stats.oldestDueAgeMs / 1000 }));
      // A failed read is not cached: the next scrape tries again.
      reading.catch(() => (this.gauges = undefined));
      this.gauges = { at: now, reading };
    }
    return this.gauges.reading;
  }
}
