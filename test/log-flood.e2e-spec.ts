import { signOmiseWebhook } from 'omise-nest-webhooks/testing';
import { CapturedLogs, type LogLine } from './support/captured-logs';
import { installPoisonTrigger, POISON_PREFIX } from './support/poison-trigger';
import { eventBody, inPool, sendRequest, type AnyRequest, type TimedResponse } from './support/omise-events';
import { describeOnDatabases } from './support/test-databases';
import { SECOND_SECRET, SECRET, useWebhooksTestApp } from './support/webhooks-test-app';

// Issue 9, item 3: requests anyone can send must not flood the error log. Every refusal is logged at
// most once per reason per 10 s, at WARN without a stack for input errors, with no raw control characters.
const PER_KIND = 100;
const LOG_WINDOW_MS = 10_000;
const MAX_BODY_BYTES = 32 * 1024;
const JSON_TYPE = { 'Content-Type': 'application/json' };
const now = () => Math.floor(Date.now() / 1000);

function signed(body: string | Buffer, patch: Record<string, string> = {}, secret = SECRET, timestamp = now()): AnyRequest {
  return { headers: { ...signOmiseWebhook(body, secret, { timestamp }), ...patch }, body };
}

/** Malformed requests anyone can send, by kind: none is a validly signed event. */
const INPUT_ERRORS: ReadonlyArray<[string, () => AnyRequest]> = [
  ['no signature headers', () => ({ headers: JSON_TYPE, body: eventBody() })],
  ['not JSON, unsigned', () => ({ headers: JSON_TYPE, body: '{"object": "event", "id": ' })],
  ['NUL bytes and invalid UTF-8, unsigned', () => ({ headers: JSON_TYPE, body: Buffer.from([0x7b, 0x00, 0x22, 0xff, 0xfe, 0x22, 0x7d]) })],
  ['an unsupported charset', () => ({ headers: { 'Content-Type': 'application/json; charset=latin1' }, body: eventBody() })],
  ['another media type', () => ({ headers: { 'Content-Type': 'text/plain' }, body: eventBody() })],
  ['no content type', () => ({ headers: {}, body: eventBody() })],
  ['an unknown content encoding', () => ({ headers: { ...JSON_TYPE, 'Content-Encoding': 'x-unknown' }, body: eventBody() })],
  ['a gzip body that is not gzip', () => ({ headers: { ...JSON_TYPE, 'Content-Encoding': 'gzip' }, body: eventBody() })],
  ['a body over maxBodyBytes', () => ({ headers: JSON_TYPE, body: eventBody({ padding: 'x'.repeat(MAX_BODY_BYTES) }) })],
  ["a body over the host's JSON parser limit (100 kB)", () => ({ headers: JSON_TYPE, body: eventBody({ padding: 'x'.repeat(150 * 1024) }) })],
  ['a body over the limit, chunked without Content-Length', () => ({ headers: JSON_TYPE, chunks: Array.from({ length: 6 }, () => Buffer.alloc(8 * 1024, 0x20)) })],
  ['a signature that is not hex', () => signed(eventBody(), { 'Omise-Signature': 'z'.repeat(64) })],
  ['a timestamp that is not a number', () => signed(eventBody(), { 'Omise-Signature-Timestamp': 'soon' })],
  ['a timestamp an hour old', () => signed(eventBody(), {}, SECRET, now() - 3600)],
  ['a signature by another secret', () => signed(eventBody(), {}, SECOND_SECRET)],
  ['a signed event with a NUL in its id', () => signed(eventBody({ id: 'evnt_test_\u0000nul' }))],
  ['a signed body that is not JSON', () => signed('{"object": "event", "id": "evnt_test_broken"')],
];

interface Flood {
  responses: Array<{ kind: string; response: TimedResponse }>;
  lines: LogLine[];
  ms: number;
}

/** What a test compares: each list names what went wrong, so a failure shows every problem at once. */
function problems(flood: Flood, options: { level: LogLine['level'] | 'any'; statuses: [number, number] }) {
  const reasons = new Set<string>();
  const notModuleShaped = new Set<string>();
  const outOfRange = new Set<string>();
  for (const { kind, response } of flood.responses) {
    let body: { statusCode?: unknown; reason?: unknown; message?: unknown } = {};
    try {
      body = JSON.parse(response.body) as typeof body;
    } catch {
      // not JSON: not the module's shape
    }
    if (body.statusCode !== response.status || typeof body.reason !== 'string' || typeof body.message !== 'string') {
      notModuleShaped.add(`${kind}: ${response.status} ${response.body.slice(0, 120)}`);
    } else {
      reasons.add(body.reason);
    }
    if (response.status < options.statuses[0] || response.status > options.statuses[1]) outOfRange.add(`${kind}: ${response.status}`);
  }
  const windows = 1 + Math.floor(flood.ms / LOG_WINDOW_MS);
  const bound = Math.max(reasons.size, 1) * windows;
  const shown = (line: LogLine) => `${line.level}: ${JSON.stringify(line.text.slice(0, 160))}`;
  const lines = (pick: (line: LogLine) => boolean) => firstFew(flood.lines.filter(pick).map(shown));
  return {
    answersNotInTheModuleShape: [...notModuleShaped],
    answersOutsideTheStatusRange: [...outOfRange],
    linesOverTheBound:
      flood.lines.length > bound ? [`${flood.lines.length} lines for ${reasons.size} reasons in ${flood.ms} ms (bound ${bound})`, ...lines(() => true)] : [],
    linesWithAStackTrace: lines((line) => /\n\s+at /.test(line.text)),
    linesWithControlCharacters: lines((line) => hasControlCharacter(line.text)),
    linesAtAnotherLevel: options.level === 'any' ? [] : lines((line) => line.level !== options.level),
  };
}
/** The first three, and how many more: a failure shows what kind of lines, not all of them. */
function firstFew(items: string[]): string[] {
  return items.length > 3 ? [...items.slice(0, 3), `… and ${items.length - 3} more`] : items;
}

/**
 * NUL and the other C0 controls, DEL and the C1 controls: a log line must carry them escaped, if at
 * all. Newlines are left to the stack-trace check (a stack is what puts them there).
 */
function hasControlCharacter(text: string): boolean {
  return [...text].some((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && char !== '\n') || (code >= 0x7f && code <= 0x9f);
  });
}

const NO_PROBLEMS = {
  answersNotInTheModuleShape: [],
  answersOutsideTheStatusRange: [],
  linesOverTheBound: [],
  linesWithAStackTrace: [],
  linesWithControlCharacters: [],
  linesAtAnotherLevel: [],
};

describeOnDatabases(['sqlite', 'postgres'], 'log flood on $name', (kind) => {
  const logs = new CapturedLogs();

  const t = useWebhooksTestApp(kind, { logger: logs, maxBodyBytes: MAX_BODY_BYTES });
  beforeAll(() => installPoisonTrigger(t.dataSource, kind.name));

  async function flood(kinds: ReadonlyArray<[string, () => AnyRequest]>): Promise<Flood> {
    const requests = kinds.flatMap(([name, make]) => Array.from({ length: PER_KIND }, () => ({ name, request: make() })));
    logs.clear();
    const started = Date.now();
    const responses = await inPool(requests, 8, async ({ name, request }) => ({ kind: name, response: await sendRequest(t.server, request) }));
    return { responses, lines: [...logs.lines], ms: Date.now() - started };
  }

  it(`${PER_KIND} of each kind of malformed request: 4xx in the module's shape, and at most one WARN line per reason, no stack, no raw control characters`, async () => {
    const result = await flood(INPUT_ERRORS);
    expect(problems(result, { level: 'warn', statuses: [400, 499] })).toEqual(NO_PROBLEMS);
    // And the app still takes a delivery.
    const after = await sendRequest(t.server, signed(eventBody()));
    expect(after.status).toBe(200);
  }, 60_000);

  it(`${PER_KIND} signed events the database refuses: 503 store_unavailable each, at most one line for them, no stack`, async () => {
    const result = await flood([['a row the database refuses', () => signed(eventBody({ id: `${POISON_PREFIX}${Math.random().toString(36).slice(2)}` }))]]);
    expect(problems(result, { level: 'any', statuses: [503, 503] })).toEqual(NO_PROBLEMS);
    expect(new Set(result.responses.map(({ response }) => (JSON.parse(response.body) as { reason?: string }).reason))).toEqual(new Set(['store_unavailable']));
  }, 60_000);
});
