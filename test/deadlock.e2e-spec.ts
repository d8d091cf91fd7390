import type { QueryRunner } from 'typeorm';
import { DataSource } from 'typeorm';
import { Database } from '../src/store/database';
import { describeOnDatabases } from './support/test-databases';
import { useTestDatabase } from './support/webhooks-test-app';

/**
 * Intake's INSERT, the worker's claims and its outcome writes take row locks in different orders
 * under load, and the database then rolls one of them back to break the deadlock. The module's calls
 * that are safe to repeat go through Database.boundedRetryingLocks, which runs the victim again.
 * Here two transactions lock two rows in opposite order, held at a barrier until both have their
 * first lock, so the deadlock is certain.
 */
describeOnDatabases(['postgres', 'mariadb'], 'a deadlock on $name', (kind) => {
  const database = useTestDatabase(kind);
  let dataSource: DataSource;
  const placeholder = (n: number) => (kind.name === 'postgres' ? `$${n}` : '?');

  beforeAll(async () => {
    dataSource = await new DataSource(database.db.options).initialize();
    await dataSource.query('CREATE TABLE deadlock_rows (id integer PRIMARY KEY, n integer NOT NULL)');
  });
  beforeEach(async () => {
    await dataSource.query('DELETE FROM deadlock_rows');
    await dataSource.query('INSERT INTO deadlock_rows (id, n) VALUES (1, 0), (2, 0)');
  });
  afterAll(() => dataSource?.destroy());

  /** A barrier for the first attempts: each waits until both hold their first lock. */
  function barrier(): { arrive(): Promise<void> } {
    let arrived = 0;
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return {
      arrive: () => {
        arrived += 1;
        if (arrived === 2) open();
        return opened;
      },
    };
  }

  /** Adds one to `first` then `second` in one transaction; the first attempt waits at the barrier in between. */
  function crossing(first: number, second: number, meeting: { arrive(): Promise<void> }, attempts: number[]) {
    return async (runner: QueryRunner): Promise<void> => {
      attempts.push(attempts.length + 1);
      await runner.startTransaction();
      try {
        await runner.query(`UPDATE deadlock_rows SET n = n + 1 WHERE id = ${placeholder(1)}`, [first]);
        if (attempts.length === 1) await meeting.arrive();
        await runner.query(`UPDATE deadlock_rows SET n = n + 1 WHERE id = ${placeholder(1)}`, [second]);
        await runner.commitTransaction();
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    };
  }

  it('without a retry, the database rolls one of the two back as its victim', async () => {
    const db = new Database(dataSource, 10_000);
    const meeting = barrier();
    const results = await Promise.allSettled([
      db.bounded('one way', crossing(1, 2, meeting, [])),
      db.bounded('the other way', crossing(2, 1, meeting, [])),
    ]);
    const victims = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(victims).toHaveLength(1);
    expect(victims[0].reason).toMatchObject(kind.name === 'postgres' ? { code: '40P01' } : { errno: 1213 });
  });

  it("the module's retry runs the victim again: both transactions commit, each once", async () => {
    const db = new Database(dataSource, 10_000);
    const meeting = barrier();
    const attempts: [number[], number[]] = [[], []];
    await Promise.all([
      db.boundedRetryingLocks('one way', crossing(1, 2, meeting, attempts[0])),
      db.boundedRetryingLocks('the other way', crossing(2, 1, meeting, attempts[1])),
    ]);
    // One of them ran twice (its first attempt rolled back whole), the other once.
    expect(attempts.map((list) => list.length).sort()).toEqual([1, 2]);
    const rows = await dataSource.query<Array<{ id: number; n: number | string }>>('SELECT id, n FROM deadlock_rows ORDER BY id');
    expect(rows.map((row) => [Number(row.id), Number(row.n)])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    // A deadlock is the database answering: the breaker does not count it.
    expect(db.breaker.state).toBe('closed');
  });
});
