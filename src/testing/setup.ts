/**
 * omise-nest-webhooks/testing/setup, for jest's or vitest's `setupFiles`: gives the app under test a
 * webhook secret before any test file is loaded. A module that reads `process.env` when it is
 * imported (`WebhooksModule.forRoot({ secrets: process.env.OMISE_WEBHOOK_SECRET })`) is imported before
 * the first line of a test runs (ESM hoists imports), so the secret has to be there before the test
 * file: a setup file is. `postOmiseEvent` signs with the same variable by default.
 *
 * A secret already set (the shell, the CI, a `.env` the runner loads) is kept.
 */
import { randomBytes } from 'node:crypto';

if (!process.env.OMISE_WEBHOOK_SECRET?.trim()) {
  process.env.OMISE_WEBHOOK_SECRET = randomBytes(32).toString('base64');
}
