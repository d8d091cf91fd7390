import type { DataSource, QueryRunner } from 'typeorm';
import { DatabaseTimeout, StoreUnavailable } from '../errors/store.errors';
import { type Dialect, dialectOf } from './sql-dialect';


/**
 * Runs `work` on a query runner of its own and gives it at most `ms`. Past that it rejects with
 * {@link DatabaseTimeout}, and the connection, waiting on a database that stopped answering (a
 * half-open socket after a failover, a partition), is destroyed rather than handed back to the pool,
 * where every later query would queue behind it. The pool opens a fresh one once the database is
 * back, so nothing needs a restart.
 *
 * Why here and not in the driver: a host's pool may set no query timeout or keepalive at all; the
 * module's own calls must never wait forever whatever it sets (the README lists what it should set).
 */
export async function withDeadline<T>(
  dataSource: DataSource,
  ms: number,
  what: string,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const running = work(runner);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeout(what, ms)), ms);
  });
  let timedOut = false;
  try {
    return await Promise.race([running, deadline]);
  } catch (error) {
    timedOut = error instanceof DatabaseTimeout;
    throw error;
  } finally {
    clearTimeout(timer);
    if (timedOut) {
      // The work may still settle later (a healed partition): its result is not wanted any more.
      running.catch(() => undefined);
      discardConnection(runner, dialectOf(dataSource));
    } else {
      await runner.release();
    }
  }
}

/** The parts of TypeORM's query runners (0.3 and 1.x) that let a connection be closed instead of pooled. */
interface RunnerInternals {
  databaseConnectionPromise?: Promise<unknown>;
  isReleased?: boolean;
  /** PostgreSQL: hands the client back to pg-pool with an error, so the pool ends it. */
  releasePostgresConnection?: (error?: Error) => Promise<void>;
}

function discardConnection(runner: QueryRunner, dialect: Dialect): void {
  const internals = runner as unknown as RunnerInternals;
  const connecting = internals.databaseConnectionPromise;
  if (dialect === 'sqlite' || !connecting) {
    // SQLite runs in this process and cannot be stalled by a network; nothing was connected otherwise.
    void runner.release().catch(() => undefined);
    return;
  }
  const reason = new Error('omise-webhooks: connection discarded after a database timeout');
  void connecting
    .then((connection) => {
      if (dialect === 'postgres' && internals.releasePostgresConnection) return internals.releasePostgresConnection(reason);
      // mysql2: destroy() closes the socket and removes the connection from its pool.
      (connection as { destroy?: () => void }).destroy?.();
      internals.isReleased = true;
      return undefined;
    })
    .catch(() => undefined);
}

/**
 * Whether an error means the database could not be reached or did not answer (retry later, the
 * same for every delivery), rather than that one statement was refused (a bad row, a constraint).
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseTimeout || error instanceof StoreUnavailable) return true;
  const { code, errno, message } = (error ?? {}) as { code?: unknown; errno?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // Sockets and pools; PostgreSQL's class 08 (connection exception), 57P0x (shutdown), 53300 (too many connections).
    if (/^(ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|PROTOCOL_|ER_CON_COUNT_ERROR)/.test(code)) return true;
    if (/^(08|57P0|53300)/.test(code)) return true;
  }
  // MySQL client errors: can't connect (2002, 2003), server gone away (2006), lost connection (2013).
  if (typeof errno === 'number' && [2002, 2003, 2006, 2013].includes(errno)) return true;
  return typeof message === 'string' && /Connection terminated|connection is closed|Pool is closed|timeout exceeded when trying to connect/i.test(message);
}

/** Attempts of a call whose transaction the database rolled back to break a deadlock or a lock wait. */
const LOCK_ATTEMPTS = 3;

/**
 * {@link withDeadline}, tried again when the database picked the call as a deadlock's victim (or
 * gave up waiting for a lock): the victim's transaction was rolled back whole, so trying again is
 * safe for work that is itself safe to repeat. Intake's INSERT, the worker's claim and its outcome
 * writes lock rows in different orders under load (InnoDB's next-key locks most of all); without
 * this a lost outcome write left events leased until the lease ran out.
 */
export async function withDeadlineRetryingLocks<T>(
  dataSource: DataSource,
  ms: number,
  what: string,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withDeadline(dataSource, ms, what, work);
    } catch (error) {
      if (attempt >= LOCK_ATTEMPTS || !isTransientLockError(error)) throw error;
    }
  }
}

/** Deadlock or lock-wait errors: MySQL 1213/1205, PostgreSQL 40P01/40001, SQLite BUSY. */
function isTransientLockError(error: unknown): boolean {
  const { errno, code } = (error ?? {}) as { errno?: number; code?: string };
  return errno === 1213 || errno === 1205 || code === '40P01' || code === '40001' || code === 'SQLITE_BUSY';
}
