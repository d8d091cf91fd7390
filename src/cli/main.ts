#!/usr/bin/env node
/**
 * `omise-webhooks`: the operator's and developer's command line for the webhooks module
 * (`npx omise-webhooks --help`). From source: `npm run cli -- <command>`.
 */
import { config } from 'dotenv';
import { runCli } from './cli';

// The working directory's .env, as the host app's config module reads it; the environment wins.
config({ quiet: true });

// A reader that stops early (`omise-webhooks events | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

void runCli(process.argv.slice(2), {
  io: {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    stderrIsTty: process.stderr.isTTY === true,
  },
  env: process.env,
}).then((code) => {
  // exitCode, not exit(): output still queued for a pipe is written before the process ends.
  process.exitCode = code;
});
