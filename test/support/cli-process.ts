import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** None of the developer's own settings reaches the CLI: each test says what it sets. */
const cleanEnv: NodeJS.ProcessEnv = { ...process.env };
for (const name of ['DATABASE_URL', 'OMISE_WEBHOOK_SECRET', 'OMISE_WEBHOOK_SECRET_FILE', 'OMISE_WEBHOOK_PATH', 'OMISE_SECRET_KEY', 'OMISE_API_BASE_URL', 'PORT']) {
  delete cleanEnv[name];
}

/** The CLI from source in its own process, as a user runs it. */
export function cli(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliRun> {
  const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd,
    // Run from another directory, ts-node would not find the project's compiler options (decorators).
    env: { ...cleanEnv, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
