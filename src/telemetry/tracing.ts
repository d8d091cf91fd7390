import type { Attributes, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { requireOptionalPeer } from '../common/optional-peer';

type OtelApi = typeof import('@opentelemetry/api');

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The module's spans, through `@opentelemetry/api` only: with no SDK registered by the host they are
 * the API's no-ops. Intake and dispatch are separate traces, as they are separate moments (dispatch
 * runs later, maybe in another instance): the dispatch span links to the intake span whose
 * traceparent was stored with the event.
 */
export class WebhooksTracing {
  private readonly api: OtelApi;
  private readonly tracer: Tracer;

  constructor() {
    this.api = requireOptionalPeer<OtelApi>('@opentelemetry/api', 'WebhooksModule `tracing: true`');
    this.tracer = this.api.trace.getTracer('omise-nest-webhooks');
  }

  /** A span under whatever is active (the host's HTTP server span, when it traces HTTP). */
  start(name: string, attributes?: Attributes): Span {
    return this.tracer.startSpan(name, { attributes });
  }

  child(parent: Span, name: string, attributes?: Attributes): Span {
    return this.tracer.startSpan(name, { attributes }, this.api.trace.setSpan(this.api.context.active(), parent));
  }

  /** A new trace, linked to the one the traceparent names. */
  linked(name: string, traceParent: string | null, attributes?: Attributes): Span {
    const linkedTo = traceParent ? spanContextOf(traceParent) : undefined;
    return this.tracer.startSpan(name, { attributes, root: true, links: linkedTo ? [{ context: linkedTo }] : [] });
  }

  /** Runs `work` with `span` active, so spans of the host's own code (its database calls) nest under it. */
  within<T>(span: Span, work: () => Promise<T>): Promise<T> {
    return this.api.context.with(this.api.trace.setSpan(this.api.context.active(), span), work);
  }

  /** Ends a span, marked as an error when `error` is given. */
  end(span: Span, error?: string): void {
    if (error !== undefined) span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error });
    span.end();
  }

  /** The W3C traceparent of a span, or null for a no-op span (no SDK). */
  traceParent(span: Span): string | null {
    const context = span.spanContext();
    if (!this.api.trace.isSpanContextValid(context)) return null;
    return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  }
}

function spanContextOf(traceParent: string): SpanContext | undefined {
  const match = TRACEPARENT.exec(traceParent);
  if (!match) return undefined;
  return { traceId: match[1], spanId: match[2], traceFlags: Number.parseInt(match[3], 16), isRemote: true };
}
