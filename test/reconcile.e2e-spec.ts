import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ReconcileJob, WebhookEventEntity, type WebhookEventSource } from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent, serializeOmiseEvent } from 'omise-nest-webhooks/testing';
import { runCli } from '../src/cli/cli';
import { IntakeStore } from '../src/store/intake-store';
import { omiseTime } from '../src/testing/omise-objects';
import { waitFor } from './support/child-app';
import { startFakeOmiseApi, type FakeApiEvent, type FakeOmiseApi } from './support/fake-omise-api';
import { testDatabases, type TestDatabase } from './support/test-databases';
import { countStored, SECRET, startWebhooksTestApp, type WebhooksTestApp } from './support/webhooks-test-app';

const SECRET_KEY = `skey_test_${randomBytes(8).toString('hex')}`;
const WRONG_KEY = `skey_test_${randomBytes(8).toString('hex')}`;
const MINUTE = 60_000;
const DAY = 86_400_000;
const KEYS = ['charge.create', 'charge.complete', 'refund.create', 'transfer.pay', 'dispute.create'] as const;

/** Any event the test kit built, as the API and the endpoint see it. */
type BuiltEvent = { id: string; key: string; created_at?: string };

/**
 * What Omise holds and what reached the app: 250 events of the last two days (three pages of 100),
 * two in five delivered to the endpoint and the rest never (the endpoint answered 503 for all of
 * Omise's attempts), two items intake would refuse, and five missing events older than the window.
 */
interface OmiseAccount {
  /** What `GET /events` lists, in creation order. */
  listed: FakeApiEvent[];
  /** Posted through the webhook endpoint before reconciling. */
  delivered: BuiltEvent[];
  /** In the window, never delivered: what reconciliation must store. */
  missing: FakeApiEvent[];
  /** Older than the window: never delivered, and left alone by `--since 3d`. */
  tooOld: FakeApiEvent[];
}

function omiseAccount(): OmiseAccount {
  const account: OmiseAccount = { listed: [], delivered: [], missing: [], tooOld: [] };
  const start = Date.now() - 2 * DAY;
  for (let i = 0; i < 250; i++) {
    const event = buildOmiseEvent(KEYS[i % KEYS.length], { created_at: omiseTime(new Date(start + i * 10 * MINUTE)) });
    const delivered = i % 5 < 2;
    // The API lists an event with the deliveries Omise attempted, each with a copy of the payload.
    account.listed.push({ ...event, webhook_deliveries: [attempt(event, delivered ? 200 : 503)] });
    if (delivered) account.delivered.push(event);
    else account.missing.push(account.listed[account.listed.length - 1]);
    if (i === 60) account.listed.push({ ...buildOmiseEvent('charge.create', { created_at: event.created_at }), key: 'charge create' });
    if (i === 160) account.listed.push({ ...buildOmiseEvent('charge.complete', { created_at: event.created_at }), livemode: 'no' });
  }
  for (let i = 0; i < 5; i++) {
    const event = { ...buildOmiseEvent('charge.complete', { created_at: omiseTime(new Date(Date.now() - 4 * DAY + i * MINUTE)) }) };
    account.tooOld.push(event);
    account.listed.unshift(event);
  }
  return account;
}

function attempt(event: BuiltEvent, status: number): Record<string, unknown> {
  return {
    object: 'webhook_delivery',
    id: `whdl_test_${randomBytes(8).toString('hex')}`,
    uri: 'https://shop.example/webhooks/omise',
    status,
    key: event.key,
    error: null,
    payload: serializeOmiseEvent(event),
    created_at: event.created_at,
  };
}

/** Created a minute ago: inside the window of a run that starts now (which ends at the last whole second). */
const aMinuteAgo = () => ({ created_at: omiseTime(new Date(Date.now() - MINUTE)) });

/** The window's counts of this account: 252 listed over three pages. */
const FIRST_RUN = { listed: 252, alreadyStored: 100, missing: 150, refused: 2 };

/** Posts the events to the endpoint, some at a time, as Omise delivers them. */
async function deliver(t: WebhooksTestApp, events: readonly BuiltEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 25) {
    await Promise.all(events.slice(i, i + 25).map((event) => postOmiseEvent(t.app, event, { secret: SECRET }).expect(200)));
  }
}

async function sources(t: WebhooksTestApp): Promise<Map<string, WebhookEventSource>> {
  const rows = await t.dataSource.getRepository(WebhookEventEntity).find({ select: { eventId: true, source: true } });
  return new Map(rows.map((row) => [row.eventId, row.source]));
}

/** Handler calls per event id, from the app's `@OnEvent('**')` listener. */
function emittedTimes(t: WebhooksTestApp): Map<string, number> {
  const times = new Map<string, number>();
  for (const event of t.emitted.all) times.set(event.id, (times.get(event.id) ?? 0) + 1);
  return times;
}

/** The stored body of a reconciled event: as Omise posts it, its past deliveries left out. */
const asPosted = (listed: FakeApiEvent) => serializeOmiseEvent({ ...listed, webhook_deliveries: [] });

describe('omise-webhooks reconcile, the command line', () => {
  const run = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['reconcile', ...args], {
      io: { out: (text) => void (stdout += text), err: (text) => void (stderr += text), stderrIsTty: false },
      env: {},
    });
    return { code, stdout, stderr };
  };

  it.each([
    [[], '--since is required, such as --since 3d or --since 2026-01-31'],
    [['--since', 'yesterday'], '--since must be a duration such as 3d or 12h, or an ISO-8601 time such as 2026-01-31, got "yesterday"'],
    [['--since', '3d', '--until', '2020-01-01'], '--since must be before --until'],
    [['--since', '3d'], 'the Omise secret key is required: --secret-key skey_… or OMISE_SECRET_KEY'],
    [['--since', '3d', '--secret-key', 'pkey_test_1'], 'that is a public key (pkey_…)'],
  ])('%j exits 2: %s', async (args, message) => {
    const result = await run(args);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain(message);
  });

  it('--help prints its usage', async () => {
    const result = await run(['--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: omise-webhooks reconcile --since 3d /);
  });
});

describe.each(testDatabases())('reconciliation with the Omise Events API on $name', (kind) => {
  describe('omise-webhooks reconcile', () => {
    let db: TestDatabase;
    let t: WebhooksTestApp;
    let api: FakeOmiseApi;
    const account = omiseAccount();
    /** Events Omise creates while a run pages, after its `to`. */
    const createdMeanwhile: FakeApiEvent[] = [];

    const reconcile = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      let stdout = '';
      let stderr = '';
      const io = { out: (text: string) => void (stdout += text), err: (text: string) => void (stderr += text), stderrIsTty: false };
      const code = await runCli(['reconcile', ...args], {
        io,
        env: { DATABASE_URL: db.url, OMISE_SECRET_KEY: SECRET_KEY, OMISE_API_BASE_URL: api.url, ...env },
      });
      expect(stdout + stderr).not.toContain(SECRET_KEY);
      return { code, stdout, stderr };
    };

    beforeAll(async () => {
      db = await kind.create();
      api = await startFakeOmiseApi({
        secretKey: SECRET_KEY,
        events: account.listed,
        beforeList: (query) => {
          // Omise goes on creating events while a run pages: one a second after the run's `to`.
          if (query.get('offset') !== '100' || createdMeanwhile.length > 0) return;
          const event = { ...buildOmiseEvent('charge.complete', { created_at: omiseTime(new Date(Date.parse(query.get('to') ?? '') + 1000)) }) };
          createdMeanwhile.push(event);
          account.listed.push(event);
        },
      });
      // The running app: its worker sweeps every 100 ms, so what the CLI stores is dispatched at once.
      t = await startWebhooksTestApp(db, { dispatch: { sweepIntervalMs: 100 } });
      await deliver(t, account.delivered);
    });

    afterAll(async () => {
      await t?.close();
      await api?.close();
      await db?.drop();
    });

    it('refuses a wrong key with a clear message, and stores nothing', async () => {
      const result = await reconcile(['--since', '3d'], { OMISE_SECRET_KEY: WRONG_KEY });

      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toBe(
        'omise-webhooks reconcile: the Omise API refused the secret key (401): check --secret-key or OMISE_SECRET_KEY (skey_…, not the webhook secret)\n',
      );
      expect(result.stderr).not.toContain(WRONG_KEY);
      await expect(countStored(t.dataSource)).resolves.toBe(100);
    });

    it('--dry-run lists the missing events over three pages, and stores nothing', async () => {
      api.requests.length = 0;
      const result = await reconcile(['--since', '3d', '--dry-run']);

      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines.slice(0, -1)).toEqual(account.missing.map((event) => `${event.id} ${String(event.key)} created ${String(event.created_at)}`));
      expect(lines.at(-1)).toMatch(/^events created \S+ to \S+: 252 listed: 100 already stored, 150 missing \(not stored: dry run\), 2 refused$/);
      // Progress on stderr, a line a page (not a terminal), then why the two were refused.
      expect(result.stderr).toMatch(/^listed 100\/252\nlisted 200\/252\nlisted 252\/252\nrefused evnt_test_\w+: The body is not an Omise event envelope\. key must be/);
      expect(result.stderr).toMatch(/\nrefused evnt_test_\w+: The body is not an Omise event envelope\. livemode must be a boolean value\n$/);
      await expect(countStored(t.dataSource)).resolves.toBe(100);

      // Three pages of one fixed window, oldest first, with the key: the event created meanwhile,
      // after the window, shifted nothing and was not listed.
      expect(api.requests.map(({ query }) => query.get('offset'))).toEqual(['0', '100', '200']);
      const [first] = api.requests;
      for (const { path, query, authorized } of api.requests) {
        expect({ path, authorized, order: query.get('order'), limit: query.get('limit') }).toEqual({ path: '/events', authorized: true, order: 'chronological', limit: '100' });
        expect([query.get('from'), query.get('to')]).toEqual([first.query.get('from'), first.query.get('to')]);
      }
      // From three days back to the last whole second.
      expect(Date.parse(first.query.get('to') ?? '') - Date.parse(first.query.get('from') ?? '')).toBe(3 * DAY - 1000);
      expect(createdMeanwhile).toHaveLength(1);
      expect(result.stdout).not.toContain(createdMeanwhile[0].id);
      // Gone again, so that the runs below list the same window.
      account.listed.splice(account.listed.indexOf(createdMeanwhile[0]), 1);
    });

    it('stores exactly the missing events, marked reconciliation, and the running app dispatches each once', async () => {
      const result = await reconcile(['--since', '3d']);

      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /^events created \S+ to \S+: 252 listed: 100 already stored, 150 missing \(stored now\), 2 refused; the app's worker dispatches them at its next sweep\n$/,
      );
      const stored = await sources(t);
      expect(stored.size).toBe(250);
      for (const event of account.delivered) expect(stored.get(event.id)).toBe('webhook');
      for (const event of account.missing) expect(stored.get(event.id)).toBe('reconciliation');
      for (const event of account.tooOld) expect(stored.has(event.id)).toBe(false);
      const sample = await t.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ eventId: account.missing[0].id });
      expect(sample.bodyText).toBe(asPosted(account.missing[0]));

      const events = t.dataSource.getRepository(WebhookEventEntity);
      await waitFor('every event processed', async () => ((await events.countBy({ status: 'processed' })) === 250 ? true : undefined), 20_000);
      await t.worker.idle();
      const times = emittedTimes(t);
      expect(times.size).toBe(250);
      expect([...times.values()].every((n) => n === 1)).toBe(true);
    });

    it('finds nothing missing the second time', async () => {
      const result = await reconcile(['--since', '3d']);

      expect(result).toMatchObject({ code: 0 });
      expect(result.stdout).toMatch(/: 252 listed: 250 already stored, 0 missing \(stored now\), 2 refused\n$/);
      await expect(countStored(t.dataSource)).resolves.toBe(250);
    });
  });

  describe('the scheduled job (option reconcile)', () => {
    let db: TestDatabase;
    let t: WebhooksTestApp;
    let api: FakeOmiseApi;
    let job: ReconcileJob;
    const account = omiseAccount();
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    /** What the fake API does before it answers a page; first, the run at boot waits for the gate. */
    let beforeList: (query: URLSearchParams) => Promise<void> | void = () => gate;
    let logged: jest.SpyInstance;

    beforeAll(async () => {
      logged = jest.spyOn(Logger.prototype, 'warn');
      db = await kind.create();
      // The run at boot waits at its first page until the deliveries below are stored.
      api = await startFakeOmiseApi({ secretKey: SECRET_KEY, events: account.listed, beforeList: (query) => beforeList(query) });
      t = await startWebhooksTestApp(db, { omiseApi: { secretKey: SECRET_KEY, baseUrl: api.url }, reconcile: { every: '1h', lookback: '3d' } });
      job = t.app.get(ReconcileJob);
    });

    afterAll(async () => {
      logged?.mockRestore();
      await t?.close();
      await api?.close();
      await db?.drop();
    });

    it('runs at boot: stores and dispatches exactly the missing events, and logs the counts', async () => {
      await deliver(t, account.delivered);
      openGate();
      // Joins the run that started at boot (no second run: three pages were asked for, not six).
      const counts = await job.run();
      await t.worker.idle();

      expect(counts).toEqual(FIRST_RUN);
      expect(api.requests.map(({ query }) => query.get('offset'))).toEqual(['0', '100', '200']);
      const stored = await sources(t);
      expect(stored.size).toBe(250);
      for (const event of account.missing) expect(stored.get(event.id)).toBe('reconciliation');
      for (const event of account.delivered) expect(stored.get(event.id)).toBe('webhook');
      const times = emittedTimes(t);
      expect(times.size).toBe(250);
      expect([...times.values()].every((n) => n === 1)).toBe(true);

      const lines = logged.mock.calls.map(([line]) => String(line)).filter((line) => line.startsWith('reconcile:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^reconcile: events created \S+ to \S+: 252 listed: 100 already stored, 150 missing \(stored now\), 2 refused \(evnt_test_\w+: The body is not an Omise event envelope\. key must be .*; evnt_test_\w+: .*livemode must be a boolean value\); \d+ ms$/,
      );
      expect(lines[0]).not.toContain(SECRET_KEY);
    });

    it('stores once an event whose delivery arrives between the check and the write', async () => {
      const [racing, quiet] = [buildOmiseEvent('charge.complete', aMinuteAgo()), buildOmiseEvent('refund.create', aMinuteAgo())];
      account.listed.push({ ...racing }, { ...quiet });
      const intake = t.app.get(IntakeStore);
      const store = intake.store.bind(intake);
      // Omise's delivery lands after the run found the event missing, just before the run writes it.
      const spy = jest.spyOn(intake, 'store').mockImplementation(async (event, rawBody, options) => {
        if (options?.source === 'reconciliation' && event.id === racing.id) {
          await postOmiseEvent(t.app, racing, { secret: SECRET }).expect(200, { received: true, id: racing.id, duplicate: false });
        }
        return store(event, rawBody, options);
      });
      try {
        const counts = await job.run();
        await t.worker.idle();

        expect(counts).toEqual({ listed: 254, alreadyStored: 251, missing: 1, refused: 2 });
        const stored = await sources(t);
        expect([stored.get(racing.id), stored.get(quiet.id)]).toEqual(['webhook', 'reconciliation']);
        await expect(countStored(t.dataSource, racing.id)).resolves.toBe(1);
        expect(emittedTimes(t).get(racing.id)).toBe(1);
        expect(emittedTimes(t).get(quiet.id)).toBe(1);
      } finally {
        spy.mockRestore();
      }
    });

    it('stores each event once when Omise delivers them while a run stores them', async () => {
      const late = Array.from({ length: 30 }, (_, i) => buildOmiseEvent(KEYS[i % KEYS.length], aMinuteAgo()));
      account.listed.push(...late.map((event) => ({ ...event })));
      const before = await sources(t);
      // Omise delivers them as the run asks for the page that lists them: half before the page is
      // answered, half while the run checks and writes them.
      let deliveries: Promise<void> | undefined;
      beforeList = async (query) => {
        if (query.get('offset') !== '200' || deliveries) return;
        deliveries = deliver(t, late.slice(0, 15));
        await deliveries;
        deliveries = deliver(t, late.slice(15));
      };

      const counts = await job.run();
      await deliveries;
      await t.worker.idle();

      const stored = await sources(t);
      expect(stored.size).toBe(before.size + late.length);
      const reconciled = late.filter((event) => stored.get(event.id) === 'reconciliation').length;
      expect(late.slice(0, 15).every((event) => stored.get(event.id) === 'webhook')).toBe(true);
      expect(counts).toEqual({ listed: 284, alreadyStored: 284 - 2 - reconciled, missing: reconciled, refused: 2 });
      const times = emittedTimes(t);
      for (const event of late) expect(times.get(event.id)).toBe(1);
    });

    it('fails with a clear error on a wrong key, and stores nothing', async () => {
      const wrongDb = await kind.create();
      const wrong = await startWebhooksTestApp(wrongDb, { omiseApi: { secretKey: WRONG_KEY, baseUrl: api.url }, reconcile: { every: '1h', lookback: '3d' } });
      try {
        const failure = await wrong.app.get(ReconcileJob).run().catch((error: Error) => error);
        expect(failure).toBeInstanceOf(Error);
        expect((failure as Error).message).toBe('the Omise API refused the secret key (401)');
        await expect(countStored(wrong.dataSource)).resolves.toBe(0);
      } finally {
        await wrong.close();
        await wrongDb.drop();
      }
    });
  });
});
