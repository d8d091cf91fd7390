import type { IncomingMessage } from 'node:http';
import type { IntakeTrace } from '../telemetry/telemetry';
import type { ResolvedAccount } from '../webhooks.config';
import { nodeRequestOf, type PlatformRequest } from './platform';

/** A request on the webhook route: the body reader leaves the exact bytes, and nothing parsed. */
export type RawBodyRequest = IncomingMessage & { rawBody?: Buffer; body?: unknown; _body?: boolean; params?: Record<string, string | undefined> };

/**
 * Where a request keeps its context: a property under a symbol of this module's own, which nothing
 * else can name (a WeakMap would cost the collector an ephemeron per request).
 */
const CONTEXT = Symbol('omise-webhooks delivery');

type WithContext = IncomingMessage & { [CONTEXT]?: DeliveryContext };

/**
 * What intake knows of one delivery between its first byte and its answer, kept per request in
 * this one typed place (the parts between are Nest's guard, pipe and interceptor, which share only
 * the request).
 */
export class DeliveryContext {
  /** Its metrics and span, from the first byte (undefined when both are off). */
  trace?: IntakeTrace;
  /** The bytes whose signature passed, so the guard does not check the same bytes twice. */
  verifiedBody?: Buffer;
  /** The account whose endpoint it came to (found from the path). */
  account?: ResolvedAccount;

  /** The delivery's context, one per Node request whichever platform's request wraps it. */
  static of(request: PlatformRequest): DeliveryContext {
    return ((nodeRequestOf(request) as WithContext)[CONTEXT] ??= new DeliveryContext());
  }
}
