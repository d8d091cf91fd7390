import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';

export interface ChildApp {
  port: number;
  process: ChildProcess;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
}

/** Starts test/support/worker-host.ts in its own Node process and resolves once it listens. */
export function startChildApp(env: Record<string, string>): Promise<ChildApp> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'worker-host.ts')],
    { env: { ...process.env, ...env, TS_NODE_TRANSPILE_ONLY: '1' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\d+)/.exec(output);
      if (ready) {
        resolve({
          port: Number(ready[1]),
          process: child,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`worker host exited (${code ?? signal}) before it was ready`)));
  });
}

/** Waits for a condition on the database, checking every 50 ms, failing after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function createEffectsTable(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    'CREATE TABLE test_handler_effects (event_id varchar(64) NOT NULL, handler varchar(64) NOT NULL, phase varchar(16) NOT NULL, pid integer NOT NULL)',
  );
}
