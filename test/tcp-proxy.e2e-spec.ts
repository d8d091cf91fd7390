import { Client, type ClientConfig } from 'pg';
import { waitFor } from './support/child-app';
import { serverOf, startTcpProxy, throughProxy, type TcpProxy } from './support/tcp-proxy';
import { describeOnDatabases, type TestDatabase } from './support/test-databases';

// The fault tests are only as good as the proxy under them: these pin what each fault does to a real
// PostgreSQL client and server. A "no answer" is asserted with the client's own short timeout: a
// forwarded SELECT answers in a millisecond.
const SILENCE_MS = 300;

describeOnDatabases(['postgres'], 'TCP proxy in front of $name', (kind) => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  /** A direct connection, not through the proxy: the server's own view. */
  let direct: Client;
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await kind.create();
    direct = new Client({ connectionString: db.url });
    await direct.connect();
    await direct.query('CREATE TABLE proxy_t (v integer NOT NULL)');
  });
  beforeEach(async () => {
    proxy = await startTcpProxy(serverOf(db));
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.end().catch(() => undefined);
    await proxy.close();
  });
  afterAll(async () => {
    await direct?.end();
    await db?.drop();
  });

  /** A client through the proxy; its connection errors (the faults) are the tests' to observe. */
  function proxied(config: ClientConfig = {}): Client {
    const client = new Client({ connectionString: throughProxy(db, proxy).url, ...config });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  }
  async function connected(config: ClientConfig = {}): Promise<Client> {
    const client = proxied(config);
    await client.connect();
    return client;
  }
  const closedOnce = (client: Client) => new Promise<void>((resolve) => client.once('end', () => resolve()));
  const sessionCount = async (pid: number) =>
    Number((await direct.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0].n);
  const rowsWith = async (v: number) =>
    Number((await direct.query<{ n: string }>('SELECT count(*) AS n FROM proxy_t WHERE v = $1', [v])).rows[0].n);
  const pidOf = (client: Client) => (client as Client & { processID: number }).processID;

  it('forwards both ways', async () => {
    const client = await connected();
    await expect(client.query('SELECT 41 + 1 AS n')).resolves.toMatchObject({ rows: [{ n: 42 }] });
  });

  it('cut: open connections are reset at once and new ones refused until restore', async () => {
    const client = await connected();
    const closed = closedOnce(client);
    proxy.cut();
    await closed;
    await expect(client.query('SELECT 1')).rejects.toThrow();
    await expect(proxied().connect()).rejects.toThrow(/ECONNRESET|terminated|closed/i);
    proxy.restore();
    await expect((await connected()).query('SELECT 1 AS n')).resolves.toMatchObject({ rows: [{ n: 1 }] });
  });

  it('blackhole: no answer, no new connection, the server keeps the session; restore resets them and forwards again', async () => {
    const client = await connected({ query_timeout: SILENCE_MS });
    const pid = pidOf(client);
    proxy.blackhole();
    await expect(client.query('INSERT INTO proxy_t VALUES (1)')).rejects.toThrow(/timeout/i);
    await expect(proxied({ connectionTimeoutMillis: SILENCE_MS }).connect()).rejects.toThrow(/timeout/i);
    await expect(sessionCount(pid)).resolves.toBe(1); // half-open: the server still has it
    const closed = closedOnce(client);
    proxy.restore();
    await closed;
    await waitFor('the blackholed session to end on the server', async () => ((await sessionCount(pid)) === 0 ? true : undefined), 5_000);
    await expect(rowsWith(1)).resolves.toBe(0); // what went into the blackhole never arrives
    await expect((await connected()).query('SELECT 1 AS n')).resolves.toMatchObject({ rows: [{ n: 1 }] });
  });

  it('failover: open connections go silent for the client, the server closes them, new connections are forwarded', async () => {
    const client = await connected({ query_timeout: SILENCE_MS });
    const pid = pidOf(client);
    proxy.failover();
    await waitFor('the old session to end on the server', async () => ((await sessionCount(pid)) === 0 ? true : undefined), 5_000);
    await expect(client.query('SELECT 1')).rejects.toThrow(/timeout/i);
    await expect((await connected()).query('SELECT 2 AS n')).resolves.toMatchObject({ rows: [{ n: 2 }] });
    const closed = closedOnce(client);
    proxy.restore();
    await closed;
  });

  it('pause: an INSERT sent during the pause commits on restore, after its client gave up', async () => {
    const client = await connected({ query_timeout: SILENCE_MS });
    proxy.pause();
    await expect(client.query('INSERT INTO proxy_t VALUES (2)')).rejects.toThrow(/timeout/i);
    expect(proxy.held().toServer.toString()).toContain('INSERT INTO proxy_t VALUES (2)');
    await expect(rowsWith(2)).resolves.toBe(0);
    proxy.restore();
    await waitFor('the held INSERT to commit', async () => ((await rowsWith(2)) === 1 ? true : undefined), 5_000);
  });

  it('pause: the server’s answer is held and delivered on restore', async () => {
    const client = await connected();
    await direct.query('SELECT pg_advisory_lock(7)');
    let answered = false;
    const locked = client.query('SELECT pg_advisory_lock(7)').then(() => (answered = true));
    await waitFor(
      'the proxied session to wait on the lock',
      async () => ((await direct.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = $2', [pidOf(client), 'Lock'])).rowCount === 1 ? true : undefined),
      5_000,
    );
    proxy.pause();
    await direct.query('SELECT pg_advisory_unlock(7)');
    await waitFor('the answer to reach the proxy', () => Promise.resolve(proxy.held().toClient.length > 0 ? true : undefined), 5_000);
    expect(answered).toBe(false);
    proxy.restore();
    await locked;
    expect(answered).toBe(true);
  });
});
