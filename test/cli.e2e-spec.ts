import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, Like, type Repository } from 'typeorm';
import { runCli } from '../src/cli/cli';
import { serializeOmiseEvent } from 'omise-nest-webhooks/testing';
import {
  OMISE_WEBHOOK_MIGRATIONS,
  verifyOmiseSignature,
  WebhookEventEntity,
  type OmiseEvent,
  type WebhookEventStatus,
} from 'omise-nest-webhooks';
import { waitFor } from './support/child-app';
import { cli, type CliRun } from './support/cli-process';
import { startFakeOmiseApi, type FakeApiEvent } from './support/fake-omise-api';
import { describeOnDatabases, type TestDatabase } from './support/test-databases';
import { EmittedEvents, SECRET, startWebhooksTestApp, type WebhooksTestApp } from './support/webhooks-test-app';

const EVENT_FIXTURES = join(__dirname, 'fixtures/omise/event');
// A delivery Omise recorded, in its pretty-printed bytes.
const RECORDED_EVENT = join(EVENT_FIXTURES, 'omise-php__tests_fixtures_api.omise.co_events_evnt_test_no1t4tnemucod0e51mo-get.json');
const DAY = 86_400_000;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The CLI in this process, for the many command-line checks that need no database or network. */
async function cliInProcess(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io = { out: (text: string) => void (stdout += text), err: (text: string) => void (stderr += text), stderrIsTty: false };
  const code = await runCli(args, { io, env: {} });
  return { code, stdout, stderr };
}

/** A handler that fails until told otherwise: with one attempt allowed, its events end dead. */
@Injectable()
class FlakyMailer {
  failing = true;

  @OnEvent('dispute.create')
  send(event: OmiseEvent): void {
    if (this.failing) throw new Error(`mailer down, ${event.id} not sent`);
  }
}

// SQLite keeps this file short; the commands use the module's SQL and TypeORM, and the file passes on
// PostgreSQL and MariaDB too when they are added here.
describeOnDatabases(['sqlite'], 'omise-webhooks CLI against a running app on $name', (kind) => {
  let db: TestDatabase;
  let app: WebhooksTestApp;
  let events: Repository<WebhookEventEntity>;
  let url: string;
  let work: string;
  const run = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = work) =>
    cli(args, { DATABASE_URL: db.url, OMISE_WEBHOOK_SECRET: SECRET, ...env }, cwd);
  const statusOf = async (eventId: string) => (await events.findOneBy({ eventId }))?.status;
  const until = (eventId: string, status: WebhookEventStatus) =>
    waitFor(`${eventId} ${status}`, async () => ((await statusOf(eventId)) === status ? true : undefined), 10_000);

  beforeAll(async () => {
    db = await kind.create();
    // The worker sweeps every 100 ms, so a re-queued event runs at once; one attempt, so a failure is dead.
    app = await startWebhooksTestApp(db, { dispatch: { sweepIntervalMs: 100, retry: { maxAttempts: 1 } }, providers: [EmittedEvents, FlakyMailer] });
    events = app.dataSource.getRepository(WebhookEventEntity);
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/webhooks/omise`;
    work = mkdtempSync(join(tmpdir(), 'omise-cli-'));
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('sign', () => {
    it('prints headers that verify over the file bytes, and a curl command whose delivery the app accepts', async () => {
      const file = join(work, 'recorded-event.json');
      copyFileSync(RECORDED_EVENT, file);
      const bytes = readFileSync(file);

      const result = await run(['sign', file, '--url', url]);

      expect(result).toMatchObject({ code: 0 });
      const header = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(result.stdout)?.[1] ?? '';
      const [signature, timestamp] = [header('Omise-Signature'), header('Omise-Signature-Timestamp')];
      expect(
        verifyOmiseSignature({
          signatureHeader: [signature],
          timestampHeader: [timestamp],
          rawBody: bytes,
          secrets: [SECRET],
          toleranceSeconds: 300,
          nowSeconds: nowSeconds(),
        }),
      ).toEqual({ ok: true });
      expect(result.stdout).toContain(`curl -i ${url} \\\n`);
      expect(result.stdout).toContain(`  --data-binary @${file}\n`);
      expect(result.stdout + result.stderr).not.toContain(SECRET);

      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Omise-Signature': signature, 'Omise-Signature-Timestamp': timestamp },
        body: bytes,
      });
      expect(response.status).toBe(200);
      expect(await statusOf('evnt_test_no1t4tnemucod0e51mo')).toBeDefined();
    });

    it("signs with --timestamp and a secret file named in the app's .env; without any secret says where one goes", async () => {
      const devSecret = randomBytes(32).toString('base64');
      const project = join(work, 'project');
      mkdirSync(join(project, 'data'), { recursive: true });
      writeFileSync(join(project, 'data/dev-webhook-secret'), `${devSecret}\n`);
      // The host app's .env, read from the working directory as its config module would.
      writeFileSync(join(project, '.env'), 'OMISE_WEBHOOK_SECRET_FILE=./data/dev-webhook-secret\nOMISE_WEBHOOK_PATH=api/webhooks/omise\nPORT=4000\n');
      const file = join(project, 'event.json');
      writeFileSync(file, '{"object":"event"}');

      const [withDevSecret, withoutSecret] = await Promise.all([
        run(['sign', 'event.json', '--timestamp', '1700000000'], { OMISE_WEBHOOK_SECRET: undefined }, project),
        run(['sign', file], { OMISE_WEBHOOK_SECRET: undefined }, work),
      ]);

      expect(withDevSecret).toMatchObject({ code: 0 });
      expect(withDevSecret.stdout).toContain('Omise-Signature-Timestamp: 1700000000\n');
      const signature = /^Omise-Signature: (.+)$/m.exec(withDevSecret.stdout)?.[1] ?? '';
      expect(
        verifyOmiseSignature({
          signatureHeader: [signature],
          timestampHeader: ['1700000000'],
          rawBody: readFileSync(file),
          secrets: [devSecret],
          toleranceSeconds: 300,
          nowSeconds: 1700000000,
        }),
      ).toEqual({ ok: true });
      expect(withDevSecret.stderr).toContain('with the secret from ./data/dev-webhook-secret');
      expect(withDevSecret.stdout).toContain('curl -i http://localhost:4000/api/webhooks/omise');
      expect(withDevSecret.stdout + withDevSecret.stderr).not.toContain(devSecret);

      expect(withoutSecret).toMatchObject({ code: 1, stdout: '' });
      expect(withoutSecret.stderr).toContain('no webhook secret: pass --secret or --secret-file, or set OMISE_WEBHOOK_SECRET (or OMISE_WEBHOOK_SECRET_FILE)');
    });
  });

  describe('trigger', () => {
    it('sends a realistic event, pretty-printed like Omise, that the app stores and dispatches', async () => {
      const result = await run([
        'trigger', 'charge.complete', '--url', url,
        '--set', 'data.amount=5000', '--set', 'data.metadata.order_id=A-17', '--set', 'data.description=null',
      ]);

      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^200 OK$/m);
      const id = /^charge\.complete (evnt_test_[0-9a-z]{19}) → /.exec(result.stdout)?.[1] ?? '';
      expect(result.stdout).toContain(`{"received":true,"id":"${id}","duplicate":false}`);
      const emitted = await app.emitted.emittedOnce(id);
      expect(emitted.data).toMatchObject({
        object: 'charge',
        status: 'successful',
        amount: 5000,
        // Derived by the event factory from the amount the --set gave.
        captured_amount: 5000,
        metadata: { order_id: 'A-17' },
        description: null,
      });
      const stored = await events.findOneByOrFail({ eventId: id });
      expect(stored.bodyText).toBe(serializeOmiseEvent(JSON.parse(stored.bodyText)));
      expect(stored.bodyText).toContain('\n  "webhook_deliveries": [\n\n  ],\n');
    });

    it('refuses an unknown key with the close ones (2); a refused or failed delivery exits 1', async () => {
      const nobody = `http://127.0.0.1:${await closedPort()}/webhooks/omise`;
      const [unknown, refused, unreachable] = await Promise.all([
        run(['trigger', 'charge.completed', '--url', url]),
        run(['trigger', 'transfer.pay', '--url', url, '--secret', Buffer.from('not the app secret').toString('base64')]),
        run(['trigger', 'refund.create', '--url', nobody]),
      ]);

      expect(unknown).toMatchObject({ code: 2, stdout: '' });
      expect(unknown.stderr).toContain('unknown event key "charge.completed". Close keys: charge.complete,');
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/^401 Unauthorized$/m);
      expect(refused.stdout).toContain('"reason":"signature_mismatch"');
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain(
        `could not connect to ${nobody}: nothing listens on port ${new URL(nobody).port} of 127.0.0.1 (connection refused). ` +
          'Is the app running, on that port? The CLI posts to PORT (from the environment or .env, else 3000)',
      );
    });

    it('answered 404, names the URL it posted to and the way to the route below a global prefix', async () => {
      const port = new URL(url).port;
      const [fromEnvironment, fromFlag] = await Promise.all([
        run(['trigger', 'charge.complete'], { PORT: port, OMISE_WEBHOOK_PATH: 'webhooks/omise/v2' }),
        run(['trigger', 'charge.complete', '--path', '/hooks/omise'], { PORT: port }),
      ]);

      expect(fromEnvironment.code).toBe(1);
      expect(fromEnvironment.stdout).toMatch(new RegExp(`→ http://localhost:${port}/webhooks/omise/v2\n404 Not Found\n$`));
      expect(fromEnvironment.stderr).toBe(
        `nothing answers POST http://localhost:${port}/webhooks/omise/v2 (404 from the app): the webhook route is not at /webhooks/omise/v2. ` +
          "Behind a global prefix (app.setGlobalPrefix('api')) it is at /api/webhooks/omise/v2: pass --path api/webhooks/omise/v2, " +
          'or set OMISE_WEBHOOK_PATH=api/webhooks/omise/v2 in the environment or .env; if WebhooksModule has a path option, use that path.\n',
      );
      expect(fromFlag.code).toBe(1);
      expect(fromFlag.stderr).toContain(`nothing answers POST http://localhost:${port}/hooks/omise (404 from the app)`);
      expect(fromFlag.stderr).toContain('pass --path api/hooks/omise, or set OMISE_WEBHOOK_PATH=api/hooks/omise');
    });
  });

  describe('replay and events', () => {
    it('lists a dead event and re-queues it; the running app processes it at its next sweep', async () => {
      const triggered = await run(['trigger', 'dispute.create', '--url', url]);
      const id = /^dispute\.create (\S+) → /.exec(triggered.stdout)?.[1] ?? '';
      await until(id, 'dead');

      const dead = await run(['events', '--status', 'dead', '--json']);
      expect(dead.code).toBe(0);
      expect(dead.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
        expect.objectContaining({ eventId: id, key: 'dispute.create', status: 'dead', attempts: 1, lastError: `FlakyMailer.send: mailer down, ${id} not sent` }),
      ]);
      expect(dead.stdout).not.toContain('bodyText');

      app.app.get(FlakyMailer).failing = false;
      const replayed = await run(['replay', id]);
      expect(replayed).toMatchObject({ code: 0, stdout: `re-queued ${id}; the app's worker runs it at its next sweep\n` });
      await until(id, 'processed');

      // Finished now: a replay without --force leaves it alone, and says so.
      const again = await run(['replay', id]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`${id} is processed: replay leaves finished events alone; add --force`);
    });

    it('shows events as a table, never their bodies', async () => {
      const triggered = await run(['trigger', 'charge.create', '--url', url, '--set', 'data.metadata.note=body-only-marker']);
      const id = /^charge\.create (\S+) → /.exec(triggered.stdout)?.[1] ?? '';

      const table = await run(['events', '--key', 'charge.*', '--limit', '1']);

      expect(table.code).toBe(0);
      const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^RECEIVED +EVENT ID +KEY +STATUS +ATTEMPTS +NEXT ATTEMPT +LAST ERROR$/);
      expect(row).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ +${id} +charge\\.create +(pending|processing|processed) `));
      expect(rest).toEqual([]);
      expect(table.stdout).not.toContain('body-only-marker');
    });

    it('re-queues many events in batches with progress on stderr, by status or by key and time', async () => {
      // Its own database with no app running: the counts stay put while they are checked.
      const scratch = await kind.create();
      const dataSource = new DataSource({ ...scratch.options, entities: [WebhookEventEntity], migrations: [...OMISE_WEBHOOK_MIGRATIONS] });
      await dataSource.initialize();
      try {
        await dataSource.runMigrations();
        const repository = dataSource.getRepository(WebhookEventEntity);
        const twoDaysAgo = new Date(Date.now() - 2 * DAY);
        const yesterday = new Date(Date.now() - DAY);
        const rows = [
          ...Array.from({ length: 1200 }, (_, i) => storedEvent(`evnt_test_bulk_dead_${i}`, 'dead', twoDaysAgo, 'transfer.fail')),
          ...Array.from({ length: 10 }, (_, i) => storedEvent(`evnt_test_bulk_done_${i}`, 'processed', yesterday, 'charge.complete')),
        ];
        for (let i = 0; i < rows.length; i += 200) await repository.insert(rows.slice(i, i + 200));
        const scratchRun = (args: string[]) => run(args, { DATABASE_URL: scratch.url });

        const dead = await scratchRun(['replay', '--dead']);
        expect(dead).toMatchObject({ code: 0, stdout: "re-queued 1200 events; the app's worker runs them at its next sweep\n" });
        expect(dead.stderr).toBe('re-queued 500/1200\nre-queued 1000/1200\nre-queued 1200/1200\n');
        expect(await repository.countBy({ status: 'pending', attempts: 0 })).toBe(1200);

        const since = new Date(Date.now() - 1.5 * DAY).toISOString();
        const unforced = await scratchRun(['replay', '--key', 'charge.*', '--since', since]);
        expect(unforced).toMatchObject({ code: 0, stdout: 're-queued 0 events\n' });
        const forced = await scratchRun(['replay', '--key', 'charge.*', '--since', since, '--force']);
        expect(forced).toMatchObject({ code: 0, stdout: "re-queued 10 events; the app's worker runs them at its next sweep\n", stderr: '' });
        expect(await repository.countBy({ status: 'pending' })).toBe(1210);
      } finally {
        await dataSource.destroy();
        await scratch.drop();
      }
    });
  });

  describe('prune', () => {
    it('counts with --dry-run, then deletes only old processed and ignored events, with their handler runs', async () => {
      const old = new Date(Date.now() - 40 * DAY);
      await events.insert([
        storedEvent('evnt_test_old_processed', 'processed', old),
        storedEvent('evnt_test_old_ignored', 'ignored', old),
        storedEvent('evnt_test_old_dead', 'dead', old),
        storedEvent('evnt_test_old_failed', 'failed', old),
        storedEvent('evnt_test_recent_processed', 'processed', new Date(Date.now() - 5 * DAY)),
      ]);
      const param = app.dataSource.options.type === 'postgres' ? '$1' : '?';
      for (const eventId of ['evnt_test_old_processed', 'evnt_test_old_dead']) {
        await app.dataSource.query(
          `INSERT INTO omise_webhook_handler_runs (event_id, handler, status, attempts, updated_at) VALUES (${param}, 'Ledger.record', 'failed', 1, '2026-01-01 00:00:00.000')`,
          [eventId],
        );
      }
      const total = await events.count();
      const runsOf = async (eventId: string) =>
        Number((await app.dataSource.query<Array<{ n: number | string }>>(`SELECT COUNT(*) AS n FROM omise_webhook_handler_runs WHERE event_id = ${param}`, [eventId]))[0].n);

      const dryRun = await run(['prune', '--older-than', '30d', '--dry-run']);
      expect(dryRun.code).toBe(0);
      expect(dryRun.stdout).toMatch(/^would delete 2 events \(processed, ignored\) received before \d{4}-/);
      expect(await events.count()).toBe(total);

      const pruned = await run(['prune', '--older-than', '30d']);
      expect(pruned.code).toBe(0);
      expect(pruned.stdout).toMatch(/^deleted 2 events \(processed, ignored\) received before /);
      expect(await events.count()).toBe(total - 2);
      expect(await statusOf('evnt_test_old_processed')).toBeUndefined();
      expect(await statusOf('evnt_test_old_ignored')).toBeUndefined();
      expect(await statusOf('evnt_test_old_dead')).toBe('dead');
      expect(await statusOf('evnt_test_old_failed')).toBe('failed');
      expect(await statusOf('evnt_test_recent_processed')).toBe('processed');
      expect(await runsOf('evnt_test_old_processed')).toBe(0);
      expect(await runsOf('evnt_test_old_dead')).toBe(1);

      const deadToo = await run(['prune', '--older-than', '30d', '--status', 'dead']);
      expect(deadToo.stdout).toMatch(/^deleted 1 event \(dead\) received before /);
      expect(await statusOf('evnt_test_old_dead')).toBeUndefined();
      expect(await runsOf('evnt_test_old_dead')).toBe(0);
      expect(await statusOf('evnt_test_old_failed')).toBe('failed');
    });
  });

  describe('export', () => {
    it('writes each stored body to <dir>/<event_id>.json, byte for byte as received', async () => {
      const dir = join(work, 'log/events');

      const result = await run(['export', '--dir', dir, '--key', 'charge.*']);

      const charges = await events.find({ where: { key: Like('charge.%') }, select: { eventId: true, bodyText: true } });
      expect(result).toMatchObject({ code: 0, stdout: `exported ${charges.length} events to ${dir}\n` });
      expect(readdirSync(dir).sort()).toEqual(charges.map((event) => `${event.eventId}.json`).sort());
      for (const event of charges) expect(readFileSync(join(dir, `${event.eventId}.json`)).equals(Buffer.from(event.bodyText))).toBe(true);
      // The delivery posted in the sign test comes back exactly as Omise wrote it.
      expect(readFileSync(join(dir, 'evnt_test_no1t4tnemucod0e51mo.json')).equals(readFileSync(RECORDED_EVENT))).toBe(true);
    });
  });

  describe('forward', () => {
    it('--once delivers the events the Events API lists to the app, signed, and never prints the key', async () => {
      const listed = new Map<string, FakeApiEvent>();
      for (const file of readdirSync(EVENT_FIXTURES)) {
        const event = JSON.parse(readFileSync(join(EVENT_FIXTURES, file), 'utf8')) as FakeApiEvent;
        listed.set(event.id, event);
      }
      const secretKey = `skey_test_${randomBytes(8).toString('hex')}`;
      const api = await startFakeOmiseApi({ secretKey, events: [...listed.values()] });
      try {
        const forward = (key: string) =>
          run(['forward', '--once', '--api-base', api.url, '--url', url, '--since', '2015-01-01T00:00:00Z'], { OMISE_SECRET_KEY: key });

        const result = await forward(secretKey);

        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`forwarded ${listed.size} events\n`);
        for (const event of listed.values()) {
          expect(result.stdout).toContain(`${event.id} ${String(event.key)} → 200\n`);
          // That one was stored first by the sign test, from the fixture's own bytes: this delivery was a duplicate.
          if (event.id === 'evnt_test_no1t4tnemucod0e51mo') continue;
          const stored = await events.findOneByOrFail({ eventId: event.id });
          // Re-serialized as Omise posts it: the same event, pretty-printed, past deliveries left out.
          expect(stored.bodyText).toBe(serializeOmiseEvent(JSON.parse(stored.bodyText)));
          expect(JSON.parse(stored.bodyText)).toEqual(Array.isArray(event.webhook_deliveries) ? { ...event, webhook_deliveries: [] } : event);
        }
        expect(api.requests).toHaveLength(1);
        expect(api.requests[0]).toMatchObject({ path: '/events', authorized: true });
        expect(Object.fromEntries(api.requests[0].query)).toMatchObject({ order: 'chronological', from: '2015-01-01T00:00:00Z' });
        expect(result.stdout + result.stderr).not.toContain(secretKey);

        const wrongKey = `skey_test_${randomBytes(8).toString('hex')}`;
        const refused = await forward(wrongKey);
        expect(refused).toMatchObject({ code: 1, stdout: '' });
        expect(refused.stderr).toContain('the Omise API refused the secret key (401)');
        expect(refused.stderr).not.toContain(wrongKey);
      } finally {
        await api.close();
      }
    });

    it('--once to a path the app does not serve: each event fails with 404, and the way to the route is said once', async () => {
      const secretKey = `skey_test_${randomBytes(8).toString('hex')}`;
      const [first, second] = readdirSync(EVENT_FIXTURES).slice(0, 2).map((file) => JSON.parse(readFileSync(join(EVENT_FIXTURES, file), 'utf8')) as FakeApiEvent);
      const api = await startFakeOmiseApi({ secretKey, events: [first, second] });
      const wrong = url.replace('/webhooks/omise', '/omise');
      try {
        const result = await run(['forward', '--once', '--api-base', api.url, '--url', wrong, '--since', '2015-01-01T00:00:00Z'], { OMISE_SECRET_KEY: secretKey });

        expect(result.code).toBe(1);
        expect(result.stdout).toContain(`${first.id} ${String(first.key)} → 404\n${second.id} ${String(second.key)} → 404\n`);
        expect(result.stdout).toContain('forwarded 0 events, 2 failed\n');
        expect(result.stderr.match(/nothing answers POST/g)).toHaveLength(1);
        expect(result.stderr).toContain(`nothing answers POST ${wrong} (404 from the app): the webhook route is not at /omise. `);
      } finally {
        await api.close();
      }
    });
  });

  describe('command line', () => {
    it('exits 2 on usage errors, from the real process too', async () => {
      const [noCommand, noDuration] = await Promise.all([run([]), run(['prune'])]);
      expect(noCommand.code).toBe(2);
      expect(noCommand.stderr).toContain('Usage: omise-webhooks <command>');
      expect(noDuration).toMatchObject({ code: 2, stdout: '' });
      expect(noDuration.stderr).toBe('omise-webhooks prune: --older-than is required, such as --older-than 30d\nRun `omise-webhooks prune --help` for usage.\n');
    });

    it.each([
      [['replya'], 'unknown command "replya"; did you mean replay?'],
      [['replay'], 'give exactly one of: an event id, --dead, or --key/--since/--until'],
      [['replay', 'evnt_1', '--dead'], 'give exactly one of'],
      [['replay', '--since', 'yesterday'], '--since must be an ISO-8601 time'],
      [['events', '--limit', '0'], '--limit must be a whole number ≥ 1'],
      [['events', '--status', 'done'], '--status must be one of pending, processing, processed, failed, dead, ignored'],
      [['events', '--verbose'], "Unknown option '--verbose'"],
      [['prune', '--older-than', '30 days'], '--older-than must be a duration such as 30d'],
      [['sign'], 'missing <file>'],
      [['sign', 'a.json', '--timestamp', 'now'], '--timestamp must be Unix seconds'],
      [['sign', 'a.json', '--secret', 'not base64!'], '--secret: a webhook secret must be the base64 text'],
      [['trigger', 'charge.complete', '--set', 'amount'], '--set wants path=value'],
      [['trigger', 'charge.complete', '--url', 'localhost:3000'], '--url must be an http:// or https:// URL'],
      [['export'], '--dir is required'],
      [['forward', '--once'], 'the Omise secret key is required'],
      [['forward', '--secret-key', 'pkey_test_1'], 'that is a public key (pkey_…)'],
      [['events', '--database-url', 'redis://127.0.0.1/0'], '--database-url must start with postgres://, mysql://, mariadb:// or sqlite:'],
    ])('%j exits 2: %s', async (args, message) => {
      const result = await cliInProcess(args);
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain(message);
    });

    it('names the setting to give when there is no database or secret', async () => {
      const [noDatabase, noSecret] = await Promise.all([cliInProcess(['events']), cliInProcess(['trigger', 'charge.complete'])]);
      expect(noDatabase).toMatchObject({ code: 1, stdout: '' });
      expect(noDatabase.stderr).toContain("no database: pass --database-url or set DATABASE_URL (in the environment or .env) to the app's database");
      expect(noSecret).toMatchObject({ code: 1, stdout: '' });
      expect(noSecret.stderr).toContain('no webhook secret: pass --secret or --secret-file, or set OMISE_WEBHOOK_SECRET');
    });

    it.each(['sign', 'trigger', 'replay', 'events', 'prune', 'export', 'forward'])('%s --help prints its usage and exits 0', async (command) => {
      const result = await cliInProcess([command, '--help']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(new RegExp(`^Usage: omise-webhooks ${command} `));
    });
  });
});

/** A port nothing listens on (just freed by the OS). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function storedEvent(eventId: string, status: WebhookEventStatus, receivedAt: Date, key = 'charge.complete'): WebhookEventEntity {
  return Object.assign(new WebhookEventEntity(), {
    eventId,
    account: 'default',
    key,
    livemode: false,
    bodyText: JSON.stringify({ object: 'event', id: eventId, key }),
    receivedAt,
    deliveryId: 'cli-test',
    status,
    attempts: 1,
    // Far ahead, so the running app's worker never claims a failed row inserted here.
    nextAttemptAt: new Date(Date.now() + 365 * DAY),
    lockedUntil: null,
    lockedBy: null,
    lastError: null,
    processedAt: null,
  });
}
