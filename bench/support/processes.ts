import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server under test, started by the bench as `node <script>` so its pid is the server's own. */
export interface Server {
  name: string;
  port: number;
  pid: number;
  logPath: string;
  child: ChildProcess;
  /** Settles when the process is gone; carries how it ended. */
  exited: Promise<string>;
}

const started: Server[] = [];

/**
 * Starts `node script` with stdout and stderr in a log file (the app logs every refused request).
 * With `ipc`, the child also gets a message channel (`process.send`), which the event-loop probe
 * (loop-probe.ts, preloaded with `nodeArgs`) answers on.
 */
export function startServer(
  name: string,
  script: string,
  port: number,
  env: NodeJS.ProcessEnv,
  logPath: string,
  options: { ipc?: boolean; nodeArgs?: string[] } = {},
): Server {
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: options.ipc ? ['ignore', log, log, 'ipc'] : ['ignore', log, log],
  });
  closeSync(log); // the child holds its own descriptor
  if (child.pid === undefined) throw new Error(`${name}: could not start ${script}`);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    child.once('error', (error) => resolve(error.message));
  });
  const server: Server = { name, port, pid: child.pid, logPath, child, exited };
  started.push(server);
  return server;
}

/**
 * Resolves once the server accepts TCP connections. Both servers open their port only after their
 * schema is in place (the app after its migrations), so an open port means ready.
 */
export async function waitUntilListening(server: Server, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone: string | undefined;
  void server.exited.then((how) => (gone = how));
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`${server.name} exited before listening (${gone}):\n${logTail(server)}`);
    if (await accepts(server.port)) return;
    await sleep(100);
  }
  throw new Error(`${server.name} did not listen on :${server.port} within ${timeoutMs} ms:\n${logTail(server)}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function logTail(server: Server, lines = 20): string {
  try {
    return readFileSync(server.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A port nothing listens on now: asked of the kernel, so the bench never collides with a dev server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export interface Memory {
  /** Resident set now (VmRSS), MB. */
  rssMb: number;
  /** Peak resident set of the process's life (VmHWM), MB. */
  peakMb: number;
}

/** From /proc/<pid>/status; undefined once the process is gone (or off Linux). */
export function memoryOf(pid: number): Memory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kib('VmRSS') / 1024, peakMb: kib('VmHWM') / 1024 };
}

// Linux reports process CPU time in clock ticks of USER_HZ, which is 100 on every mainstream build.
const CLOCK_TICKS_PER_SEC = 100;

/** CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat; NaN if unreadable. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 of what follows ") ".
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return NaN;
  }
}

/** CPU seconds used so far by each PostgreSQL server process on this machine (backends, WAL writer, …), by pid. */
export function postgresCpuByPid(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // gone meanwhile
    }
    const seconds = cpuSecondsOf(Number(entry));
    if (Number.isFinite(seconds)) byPid.set(Number(entry), seconds);
  }
  return byPid;
}

/**
 * PostgreSQL CPU seconds between two readings, process by process: one started meanwhile counts from
 * zero. A backend that exited meanwhile (a closed connection, an autovacuum worker) takes its time with
 * it, so this is a lower bound; subtracting sums instead can go negative.
 */
export function postgresCpuBetween(start: Map<number, number>, end: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of end) total += Math.max(0, seconds - (start.get(pid) ?? 0));
  return total;
}

/**
 * CPU seconds the whole machine has been busy (all cores; user, nice, system, steal), from /proc/stat.
 * Less the parties the bench knows about, it shows how much else ran meanwhile. irq and softirq are
 * left out: loopback TCP between the bench and the servers is processed there, and is not noise.
 */
export function machineBusySeconds(): number {
  try {
    const [user, nice, system, , , , , steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user + nice + system + steal) / CLOCK_TICKS_PER_SEC;
  } catch {
    return NaN;
  }
}

export interface ShutdownOutcome {
  /** How the process ended ("exit code 0", "signal SIGTERM", …). */
  ended: string;
  /** From SIGTERM to exit. */
  ms: number;
  /** True when it ignored SIGTERM for the whole grace period and had to be killed. */
  killed: boolean;
}

/** SIGTERM (the app closes its pool on shutdown hooks), SIGKILL if still there after `graceMs`. */
export async function stopServer(server: Server, graceMs = 5_000): Promise<ShutdownOutcome> {
  const start = Date.now();
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    return { ended: `${await server.exited} (before the bench stopped it)`, ms: 0, killed: false };
  }
  server.child.kill('SIGTERM');
  const ended = await Promise.race([server.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!ended) server.child.kill('SIGKILL');
  return { ended: await server.exited, ms: Date.now() - start, killed: !ended };
}

export async function stopAll(): Promise<Record<string, ShutdownOutcome>> {
  const outcomes = await Promise.all(started.map(async (server) => [server.name, await stopServer(server)] as const));
  return Object.fromEntries(outcomes);
}

/**
 * Last resort when the bench itself dies (Ctrl-C, uncaught error): no child outlives it. Synchronous,
 * because an 'exit' listener cannot wait.
 */
export function killAllOnExit(): void {
  process.once('exit', () => {
    for (const server of started) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping servers\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

/** Sends `message` to the child and resolves with the first reply of type `replyType` (undefined after 5 s). */
export function ask<T>(server: Server, message: { type: string }, replyType: string): Promise<T | undefined> {
  return new Promise((resolve) => {
    const onMessage = (reply: { type?: string }): void => {
      if (reply?.type !== replyType) return;
      clearTimeout(timer);
      server.child.off('message', onMessage);
      resolve(reply as T);
    };
    const timer = setTimeout(() => {
      server.child.off('message', onMessage);
      resolve(undefined);
    }, 5_000);
    server.child.on('message', onMessage);
    server.child.send(message);
  });
}
