import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signOmiseWebhook, type OmiseWebhookHeaders } from 'omise-nest-webhooks/testing';

/**
 * Real-shaped payloads written by Omise (2–3 KB each), not toy bodies: a charge.create and a
 * charge.complete. The bench keeps its own copies so reorganising the test fixtures cannot change it.
 */
const FIXTURES = {
  create: join('bench', 'fixtures', 'evnt_test_52cin5n9bb6lytxduh9.charge.create.json'),
  complete: join('bench', 'fixtures', 'evnt_5tfm4yj5bgk75lc83b7.charge.complete.json'),
} as const;
export type EventKind = keyof typeof FIXTURES;

/** Stand for the event id and the charge id in the rendered template; appear nowhere in the fixtures. */
const EVENT_ID_SLOT = '@@EVENT_ID@@';
const CHARGE_ID_SLOT = '@@CHARGE_ID@@';
const SLOTS = new RegExp(`${EVENT_ID_SLOT}|${CHARGE_ID_SLOT}`);

export interface SignedDelivery {
  id: string;
  body: string;
  headers: OmiseWebhookHeaders;
}

/** A fixture rendered once and cut at the slots: text, slot, text, slot, …, text. */
interface Template {
  parts: string[];
  slots: string[];
}

function templateOf(repoRoot: string, path: string): Template {
  const event = JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as Record<string, unknown>;
  event.id = EVENT_ID_SLOT;
  event.location = `/events/${EVENT_ID_SLOT}`;
  // A charge of its own per event, as real traffic has: the app's handlers write a row per charge,
  // and one shared charge would turn the benchmark into a lock-contention test on that row.
  const charge = event.data as Record<string, unknown>;
  charge.id = CHARGE_ID_SLOT;
  charge.location = `/charges/${CHARGE_ID_SLOT}`;
  // Pretty-printed, as Omise sends it: the signature covers those bytes too.
  const rendered = JSON.stringify(event, null, 2);
  return { parts: rendered.split(SLOTS), slots: [...rendered.matchAll(new RegExp(SLOTS, 'g'))].map((match) => match[0]) };
}

/**
 * Makes signed deliveries of distinct events, charge.create and charge.complete in turn. A body costs
 * one string join and one HMAC rather than a JSON.stringify: the load generator shares the two cores
 * with the servers it measures.
 */
export class OmiseEventFactory {
  private readonly templates: Record<EventKind, Template>;
  private readonly runTag: string;
  private counter = 0;

  constructor(
    repoRoot: string,
    private readonly secret: string,
    /** Set when several processes make events for one run, so their ids never collide. */
    runTag = randomBytes(4).toString('hex'),
  ) {
    this.runTag = runTag;
    this.templates = { create: templateOf(repoRoot, FIXTURES.create), complete: templateOf(repoRoot, FIXTURES.complete) };
  }

  /** `evnt_bench_<run>_<label>_` — every id of a scenario starts with it, so rows can be counted by prefix. */
  idPrefix(label: string): string {
    return `evnt_bench_${this.runTag}_${label}_`;
  }

  nextId(label: string): string {
    return `${this.idPrefix(label)}${++this.counter}`;
  }

  /** The event of `id`: odd counters are charge.create, even ones charge.complete. */
  body(id: string): string {
    const kind: EventKind = Number(/([0-9]+)$/.exec(id)?.[1] ?? 0) % 2 === 1 ? 'create' : 'complete';
    return this.template(kind, id, id.replace(/^evnt_/, 'chrg_'));
  }

  /**
   * The rendered `kind` body with `eventId` and `chargeId` where the event and charge ids go, for
   * building bodies elsewhere (the drain benchmark does it in SQL, with replace()).
   */
  template(kind: EventKind, eventId: string, chargeId: string): string {
    const { parts, slots } = this.templates[kind];
    let body = parts[0];
    for (let i = 0; i < slots.length; i++) body += (slots[i] === EVENT_ID_SLOT ? eventId : chargeId) + parts[i + 1];
    return body;
  }

  /** A delivery signed now, with the configured secret. */
  signed(id: string): SignedDelivery {
    const body = this.body(id);
    return { id, body, headers: signOmiseWebhook(body, this.secret) };
  }

  /** A valid event signed with another secret: well-formed headers, wrong HMAC. */
  wronglySigned(id: string): SignedDelivery {
    const body = this.body(id);
    return { id, body, headers: signOmiseWebhook(body, randomBytes(32).toString('base64')) };
  }
}
