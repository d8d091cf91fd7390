import type { Server } from 'node:http';

/** How long a request may take to arrive, in ms. */
export interface HttpLimits {
  /** The request line and headers. */
  headersMs: number;
  /** The whole request, body included. */
  requestMs: number;
  /** An idle keep-alive connection between requests. */
  keepAliveMs: number;
}

/**
 * A webhook endpoint and an admin page get a few kB at once: headers and whole requests get seconds,
 * not Node's minutes, so slow or stuck clients do not hold connections. Idle keep-alive stays at 5 s:
 * a sender that reuses its connection may, and none is held for long; behind a load balancer make it
 * longer than the balancer's own idle timeout, or the balancer meets closed connections.
 */
export const DEMO_HTTP_LIMITS: HttpLimits = { headersMs: 10_000, requestMs: 20_000, keepAliveMs: 5_000 };

/**
 * Node enforces the headers and request limits only when it checks its connections, every 30 s by
 * default: a 10 s limit fired at about 30 s. Checking every second honours them within a second.
 */
const CHECK_CONNECTIONS_EVERY_MS = 1_000;

/**
 * Sets the limits on the app's HTTP server. Call it before `listen`: Node reads the checking interval
 * when the server starts listening (it is a `createServer` option, which Nest does not pass on).
 */
export function applyHttpLimits(server: Server, limits: HttpLimits = DEMO_HTTP_LIMITS): void {
  server.headersTimeout = limits.headersMs;
  server.requestTimeout = limits.requestMs;
  server.keepAliveTimeout = limits.keepAliveMs;
  Object.assign(server, { connectionsCheckingInterval: CHECK_CONNECTIONS_EVERY_MS });
}
