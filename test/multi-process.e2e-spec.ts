import { DataSource } from 'typeorm';
import { OMISE_WEBHOOK_MIGRATIONS } from 'omise-nest-webhooks';
import { signOmiseWebhook } from 'omise-nest-webhooks/testing';
import { createEffectsTable, startChildApp, waitFor, type ChildApp } from './support/child-app';
import { eventBody } from './support/omise-events';
import { describeOnDatabases, testDatabases, type TestDatabase, type TestDatabaseKind } from './support/test-databases';
import { SECRET } from './support/webhooks-test-app';

// Several Node processes each boot a Nest app: allow for their start-up.
jest.setTimeout(120_000);

async function post(app: ChildApp, body: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${app.port}/webhooks/omise`, {
    method: 'POST',
    headers: signOmiseWebhook(body, SECRET),
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * A fresh database with the module's tables and the handlers' effects table, the spec's connection
 * to it (`ds`), and the child apps it starts (`children`, stopped in afterAll).
 */
function useChildApps(kind: TestDatabaseKind): { readonly db: TestDatabase; readonly ds: DataSource; readonly children: ChildApp[] } {
  let db: TestDatabase | undefined;
  let ds: DataSource | undefined;
  const children: ChildApp[] = [];
  beforeAll(async () => {
    db = await kind.create();
    ds = new DataSource({ ...db.options, migrations: [...OMISE_WEBHOOK_MIGRATIONS] });
    await ds.initialize();
    await ds.runMigrations();
    await createEffectsTable(ds);
  });
  afterAll(async () => {
    await Promise.all(children.map((child) => child.stop()));
    await ds?.destroy();
    await db?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useChildApps: the database is made in beforeAll');
    return value;
  };
  return {
    get db() {
      return ready(db);
    },
    get ds() {
      return ready(ds);
    },
    children,
  };
}

/** The first column of the first row, as text (drivers differ in how they type COUNT). */
async function one(ds: DataSource, sql: string): Promise<string> {
  const rows = await ds.query<Array<Record<string, unknown>>>(sql);
  return String(Object.values(rows[0] ?? {})[0]);
}

describe.each(testDatabases())('crash recovery on $name', (kind) => {
  const fleet = useChildApps(kind);

  it('an event whose worker was killed mid-handler is finished by a fresh instance after the lease; each success happens once', async () => {
    const env = { DATABASE_URL: fleet.db.url, SECRET, LEASE_MS: '1500' };
    const doomed = await startChildApp({ ...env, HANG: '1' });
    fleet.children.push(doomed);
    const body = eventBody({ key: 'charge.complete' });
    const { id } = JSON.parse(body) as { id: string };
    await expect(post(doomed, body)).resolves.toBe(200);

    // LedgerWriter has succeeded; SlowMailer is mid-way. Kill the process there.
    await waitFor('SlowMailer to start', async () =>
      (await one(fleet.ds, `SELECT COUNT(*) FROM test_handler_effects WHERE event_id = '${id}' AND handler = 'SlowMailer'`)) === '1'
        ? true
        : undefined,
    );
    const killed = new Promise((resolve) => doomed.process.once('exit', resolve));
    doomed.process.kill('SIGKILL');
    await killed;
    await expect(one(fleet.ds, `SELECT status FROM omise_webhook_events WHERE event_id = '${id}'`)).resolves.toBe('processing');

    fleet.children.push(await startChildApp({ ...env, HANG: '0' }));
    await waitFor('the event to be processed', async () =>
      (await one(fleet.ds, `SELECT status FROM omise_webhook_events WHERE event_id = '${id}'`)) === 'processed' ? true : undefined,
    );
    const effects: Array<{ handler: string; phase: string }> = await fleet.ds.query(
      `SELECT handler, phase FROM test_handler_effects WHERE event_id = '${id}' ORDER BY handler, phase`,
    );
    expect(effects).toEqual([
      { handler: 'LedgerWriter', phase: 'done' }, // succeeded before the crash: not run again
      { handler: 'SlowMailer', phase: 'done' },
      { handler: 'SlowMailer', phase: 'started' },
      { handler: 'SlowMailer', phase: 'started' }, // the killed attempt, then the one that finished
    ]);
  });
});

describeOnDatabases(['postgres'], 'two instances on one $name database', (kind) => {
  const fleet = useChildApps(kind);
  beforeAll(async () => {
    const env = { DATABASE_URL: fleet.db.url, SECRET, LEASE_MS: '30000', HANG: '0' };
    fleet.children.push(...(await Promise.all([startChildApp(env), startChildApp(env)])));
  });

  it('500 events, each delivered to both instances at once: every event processed, every handler once per event', async () => {
    const bodies = Array.from({ length: 500 }, () => eventBody({ key: 'charge.complete' }));
    // Every event goes to both instances, and every tenth a third time: 1,050 deliveries released together.
    const deliveries = bodies.flatMap((body, i) => [
      post(fleet.children[0], body),
      post(fleet.children[1], body),
      ...(i % 10 === 0 ? [post(fleet.children[i % 20 === 0 ? 0 : 1], body)] : []),
    ]);
    const statuses = await Promise.all(deliveries);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    await expect(one(fleet.ds, 'SELECT COUNT(*) FROM omise_webhook_events')).resolves.toBe('500');

    await waitFor('all events to be processed', async () =>
      (await one(fleet.ds, "SELECT COUNT(*) FROM omise_webhook_events WHERE status = 'processed'")) === '500' ? true : undefined,
    );
    const counts: Array<{ handler: string; runs: string }> = await fleet.ds.query(
      "SELECT handler, COUNT(*) AS runs FROM test_handler_effects WHERE phase = 'done' GROUP BY event_id, handler HAVING COUNT(*) <> 1",
    );
    expect(counts).toEqual([]); // no handler ran twice for an event
    await expect(one(fleet.ds, "SELECT COUNT(*) FROM test_handler_effects WHERE phase = 'done'")).resolves.toBe('1000');
  });
});

describeOnDatabases(['sqlite', 'postgres'], 'a split deployment on $name', (kind) => {
  const fleet = useChildApps(kind);

  it('a worker process with no HTTP server stays up and dispatches what a web instance stores later', async () => {
    const env = { DATABASE_URL: fleet.db.url, SECRET, LEASE_MS: '30000' };
    const worker = await startChildApp({ ...env, HTTP: 'off' });
    fleet.children.push(worker);
    const web = await startChildApp({ ...env, DISPATCH: 'off' });
    fleet.children.push(web);
    // After the worker's boot (and the web instance's): a process with nothing holding it open is gone by now.
    const dispatched = async (body: string): Promise<void> => {
      const { id } = JSON.parse(body) as { id: string };
      expect(await post(web, body)).toBe(200);
      // Done by both handlers of the host.
      await waitFor(`${id} dispatched`, async () =>
        (await one(fleet.ds, `SELECT COUNT(*) FROM test_handler_effects WHERE event_id = '${id}' AND phase = 'done'`)) === '2' ? true : undefined,
      );
    };
    await dispatched(eventBody({ key: 'charge.complete' }));
    await dispatched(eventBody({ key: 'charge.complete' }));
    // Both by the worker process: the web instance dispatches nothing.
    expect(await one(fleet.ds, `SELECT COUNT(DISTINCT pid) FROM test_handler_effects WHERE pid <> ${Number(worker.process.pid)}`)).toBe('0');
    expect(worker.process.exitCode).toBeNull();
  });
});
