import autocannon from 'autocannon';
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OmiseEventFactory, SignedDelivery } from './omise-events';

/** Per-connection state autocannon hands to setupRequest and onResponse alike. */
interface DeliveryContext {
  eventId?: string;
}

export interface LoadRun {
  durationSec: number;
  requests: number;
  ok2xx: number;
  non2xx: number;
  /** Connection errors and timeouts: requests that got no status at all. */
  errors: number;
  timeouts: number;
  /** 2xx per second: acknowledged (so durably stored) deliveries. */
  okPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
  statusCodes: Record<string, number>;
}

export interface IntakeOptions {
  url: string;
  factory: OmiseEventFactory;
  /** Id prefix label: rows of the scenario can be counted by it. */
  label: string;
  connections: number;
  durationSec: number;
  overallRate?: number;
  /** Receives every event id answered 2xx: the durability check compares it with the table. */
  acknowledged: Set<string>;
}

/**
 * autocannon with a distinct event per request. setupRequest runs before every request of a
 * connection (there is one request definition), builds a new id and signs that body; autocannon
 * keeps the context until the response to it arrives (one request in flight per connection), so
 * onResponse knows which id was acknowledged.
 */
export async function runIntake(options: IntakeOptions): Promise<LoadRun> {
  const { factory, label, acknowledged } = options;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    timeout: 10,
    // With a rate, autocannon's own correction assumes a 1 ms interval between requests (ceil(1 / rate))
    // and would fill the histogram with made-up samples; raw latencies instead. (It refuses the flag
    // without a rate.)
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate, ignoreCoordinatedOmission: true }),
    requests: [
      {
        method: 'POST',
        setupRequest: (req, context) => {
          const delivery = factory.signed(factory.nextId(label));
          (context as DeliveryContext).eventId = delivery.id;
          return { ...req, body: delivery.body, headers: { ...delivery.headers } };
        },
        onResponse: (status, _body, context) => {
          const id = (context as DeliveryContext).eventId;
          if (status >= 200 && status < 300 && id !== undefined) acknowledged.add(id);
        },
      },
    ],
  });
  return fromAutocannon(result);
}

/** autocannon sending the same prepared delivery over and over (bad signatures). */
export async function runFixed(url: string, delivery: SignedDelivery, connections: number, durationSec: number): Promise<LoadRun> {
  const result = await autocannon({
    url,
    connections,
    duration: durationSec,
    timeout: 10,
    method: 'POST',
    body: delivery.body,
    headers: { ...delivery.headers },
  });
  return fromAutocannon(result);
}

function fromAutocannon(result: autocannon.Result): LoadRun {
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    durationSec: result.duration,
    requests: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    okPerSec: result['2xx'] / result.duration,
    // autocannon records only 2xx latencies.
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    statusCodes,
  };
}

export interface PacedOptions {
  url: string;
  factory: OmiseEventFactory;
  label: string;
  ratePerSec: number;
  durationSec: number;
  /** Upper bound on open connections; a slow server gets more requests in flight, up to this. */
  maxSockets: number;
  acknowledged: Set<string>;
}

export interface PacedRun extends LoadRun {
  /** Requests per second the generator actually kept up (should be ≈ the target rate). */
  achievedRate: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
}

/**
 * Open-loop constant-rate load: request i is due at start + i/rate, whatever happened to earlier
 * ones, and its latency is measured from that due time, so a stall is charged to every request it
 * delays (no coordinated omission). autocannon's overallRate cannot do this: it gives each connection
 * a per-second budget that it spends back to back at the top of each second, i.e. a burst.
 */
export async function runPaced(options: PacedOptions): Promise<PacedRun> {
  const { factory, label, acknowledged } = options;
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const total = Math.round(options.ratePerSec * options.durationSec);
  const intervalMs = 1000 / options.ratePerSec;
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  let lastEnd = 0;
  const inFlight = new Set<Promise<void>>();

  const send = (dueAt: number): Promise<void> =>
    new Promise((resolve) => {
      const delivery = factory.signed(factory.nextId(label));
      const req = postDelivery(agent, target, delivery, (res) => {
          res.resume();
          res.once('end', () => {
            lastEnd = performance.now();
            const status = res.statusCode ?? 0;
            statusCodes[status] = (statusCodes[status] ?? 0) + 1;
            if (status >= 200 && status < 300) {
              acknowledged.add(delivery.id);
              latencies.push(lastEnd - dueAt);
            }
            resolve();
          });
        },
      );
      let timedOut = false;
      req.setTimeout(10_000, () => {
        timedOut = true;
        timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.once('error', () => {
        if (!timedOut) errors++;
        resolve();
      });
      // Safety net for a connection cut mid-response: resolving twice is harmless.
      req.once('close', () => resolve());
      req.end(delivery.body);
    });

  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    // Send everything due by now; timers fire late under load, so catch up rather than drift.
    const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    for (; sent < due; sent++) {
      const pending = send(start + sent * intervalMs);
      inFlight.add(pending);
      void pending.then(() => inFlight.delete(pending));
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const ok2xx = latencies.length;
  const answered = Object.values(statusCodes).reduce((sum, count) => sum + count, 0);
  const durationSec = (lastEnd - start) / 1000;
  return {
    durationSec,
    requests: total,
    ok2xx,
    non2xx: answered - ok2xx,
    errors,
    timeouts,
    okPerSec: ok2xx / durationSec,
    achievedRate: answered / durationSec,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p90: percentile(latencies, 0.9),
      p99: percentile(latencies, 0.99),
      p999: percentile(latencies, 0.999),
      max: latencies[latencies.length - 1] ?? NaN,
    },
    statusCodes,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

export interface StormOptions {
  url: string;
  factory: OmiseEventFactory;
  label: string;
  distinctIds: number;
  copiesPerId: number;
  acknowledged: Set<string>;
}

export interface StormRun {
  durationSec: number;
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  /** 2xx answers saying `duplicate: false`: exactly one per id if deduplication holds. */
  storedAnswers: number;
  statusCodes: Record<string, number>;
}

/** Whether a 2xx body says this delivery stored the event (`"duplicate": false`). */
function isFirstDelivery(body: string): boolean {
  try {
    return (JSON.parse(body) as { duplicate?: unknown }).duplicate === false;
  } catch {
    return false;
  }
}

/**
 * Every id delivered `copiesPerId` times at once, byte-identical (same body, same signature), as
 * overlapping retries would be. The copies of one id are issued back to back on separate sockets,
 * so they reach the server concurrently.
 */
export async function runDuplicateStorm(options: StormOptions): Promise<StormRun> {
  const { factory, label, acknowledged } = options;
  const target = new URL(options.url);
  // Enough sockets for 20 ids' worth of copies at once; the rest queue in the agent.
  const agent = new Agent({ keepAlive: true, maxSockets: Math.min(400, options.distinctIds * options.copiesPerId) });
  const statusCodes: Record<string, number> = {};
  let ok2xx = 0;
  let errors = 0;
  let storedAnswers = 0;

  const deliver = (delivery: SignedDelivery): Promise<void> =>
    new Promise((resolve) => {
      const req = postDelivery(agent, target, delivery, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.once('end', () => {
            const status = res.statusCode ?? 0;
            statusCodes[status] = (statusCodes[status] ?? 0) + 1;
            if (status >= 200 && status < 300) {
              ok2xx++;
              acknowledged.add(delivery.id);
              if (isFirstDelivery(text)) storedAnswers++;
            }
            resolve();
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.once('error', () => {
        errors++;
        resolve();
      });
      req.once('close', () => resolve());
      req.end(delivery.body);
    });

  const deliveries: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < options.distinctIds; i++) {
    const delivery = factory.signed(factory.nextId(label));
    for (let copy = 0; copy < options.copiesPerId; copy++) deliveries.push(deliver(delivery));
  }
  await Promise.all(deliveries);
  const durationSec = (performance.now() - start) / 1000;
  agent.destroy();
  const requests = options.distinctIds * options.copiesPerId;
  return { durationSec, requests, ok2xx, non2xx: requests - ok2xx - errors, errors, storedAnswers, statusCodes };
}

/** A POST of one signed delivery to the endpoint; the caller writes the body and ends it. */
function postDelivery(
  agent: Agent,
  target: URL,
  delivery: SignedDelivery,
  onResponse: (res: IncomingMessage) => void,
): ClientRequest {
  return request(
    {
      agent,
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      headers: { ...delivery.headers, 'Content-Length': Buffer.byteLength(delivery.body) },
    },
    onResponse,
  );
}
