import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signOmiseWebhook, type OmiseWebhookHeaders } from 'omise-nest-webhooks/testing';

/**
 * A real-shaped charge.create payload (~2 KB), not a toy body. The bench keeps its own copy (taken from
 * test/fixtures/omise/event/ at 34e531a) so reorganising the test fixtures cannot change or break it.
 */
const FIXTURE = join('bench', 'fixtures', 'evnt_test_52cin5n9bb6lytxduh9.charge.create.json');
/** Stand for the event id and the charge id in the rendered template; appear nowhere in the fixture. */
const EVENT_ID_SLOT = '@@EVENT_ID@@';
const CHARGE_ID_SLOT = '@@CHARGE_ID@@';
const SLOTS = new RegExp(`${EVENT_ID_SLOT}|${CHARGE_ID_SLOT}`);

export interface SignedDelivery {
  id: string;
  body: string;
  headers: OmiseWebhookHeaders;
}

/**
 * Makes signed deliveries of distinct events. The body is rendered once into a template with the
 * event id cut out, so a request costs one string join and one HMAC rather than a JSON.stringify:
 * the load generator shares the two cores with the servers it measures.
 */
export class OmiseEventFactory {
  /** The rendered body cut at the slots: text, slot, text, slot, …, text. */
  private readonly parts: string[];
  private readonly slots: string[];
  private readonly runTag = randomBytes(4).toString('hex');
  private counter = 0;

  constructor(
    repoRoot: string,
    private readonly secret: string,
  ) {
    const event = JSON.parse(readFileSync(join(repoRoot, FIXTURE), 'utf8')) as Record<string, unknown>;
    event.id = EVENT_ID_SLOT;
    event.location = `/events/${EVENT_ID_SLOT}`;
    // A charge of its own per event, as real traffic has: the app's handlers update a row per charge,
    // and one shared charge would turn the benchmark into a lock-contention test on that row.
    const charge = event.data as Record<string, unknown>;
    charge.id = CHARGE_ID_SLOT;
    charge.location = `/charges/${CHARGE_ID_SLOT}`;
    // Pretty-printed, as the fixture (and Omise) has it: the signature covers those bytes too.
    const rendered = JSON.stringify(event, null, 2);
    this.parts = rendered.split(SLOTS);
    this.slots = [...rendered.matchAll(new RegExp(SLOTS, 'g'))].map((match) => match[0]);
  }

  /** `evnt_bench_<run>_<label>_` — every id of a scenario starts with it, so rows can be counted by prefix. */
  idPrefix(label: string): string {
    return `evnt_bench_${this.runTag}_${label}_`;
  }

  nextId(label: string): string {
    return `${this.idPrefix(label)}${++this.counter}`;
  }

  body(id: string): string {
    return this.template(id, id.replace(/^evnt_/, 'chrg_'));
  }

  /**
   * The rendered body with `eventId` and `chargeId` where the event and charge ids go, for building
   * bodies elsewhere (the drain benchmark does it in SQL, with replace()).
   */
  template(eventId: string, chargeId: string): string {
    let body = this.parts[0];
    for (let i = 0; i < this.slots.length; i++) {
      body += (this.slots[i] === EVENT_ID_SLOT ? eventId : chargeId) + this.parts[i + 1];
    }
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
