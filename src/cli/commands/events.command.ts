import { DEFAULT_MASKER } from '../../masking/masker';
import type { WebhookEventEntity } from '../../store/webhook-event.entity';
import { DEFAULT_ACCOUNT } from '../../events/omise-mode';
import { parseCommandArgs, UsageError, type CliCommand } from '../cli-command';
import { DATABASE_HELP, DATABASE_OPTIONS, StoreConnection } from '../support/store-connection';
import { accountName, positiveInt, statuses } from '../support/option-values';
import { textTable, truncate } from '../support/text-table';

const options = {
  ...DATABASE_OPTIONS,
  status: { type: 'string', multiple: true },
  key: { type: 'string' },
  account: { type: 'string' },
  mode: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const eventsCommand: CliCommand = {
  help: `Usage: omise-webhooks events [--status S] [--key PATTERN] [--account NAME] [--mode live|test] [--limit N] [--json]
                             [--database-url URL]

Lists the events stored in the app's database, newest first: id, key, status, attempts, times and the last handler error, with card
data, secrets and personal data masked (the module's default rules). Never the bodies (they may carry card data): use
\`omise-webhooks export\` for those.

Options:
  --status S       pending, processing, processed, failed, dead or ignored; repeatable or
                   comma-separated
  --key PATTERN    a key, * as a wildcard (charge.*)
  --account NAME   one account's events (default: the endpoint at the module's path itself)
  --mode M         live or test: test-mode events stored ignored at a live endpoint are
                   --mode test --status ignored
  --limit N        at most N events (default 100)
  --json           one JSON object per line (JSON Lines), for jq and scripts
${DATABASE_HELP}`,

  async run(args, { io, env }) {
    const { values } = parseCommandArgs(args, options, { min: 0, max: 0, names: '' });
    const limit = values.limit === undefined ? 100 : positiveInt('--limit', values.limit);
    const filter = { status: statuses(values.status), key: values.key, account: accountName('--account', values.account), mode: mode(values.mode) };

    const db = await StoreConnection.open(values, env);
    let events: WebhookEventEntity[];
    try {
      // A handler's error may quote what it was given: a card number, a key, an email.
      events = (await db.list(filter, limit)).map((event) => ({ ...event, lastError: DEFAULT_MASKER.nullable(event.lastError) }));
    } finally {
      await db.close();
    }

    if (values.json) {
      for (const event of events) io.out(`${JSON.stringify(event)}\n`);
      return;
    }
    if (events.length === 0) {
      io.err('no stored events match\n');
      return;
    }
    // The account, as a column of its own, once there is more than the default one to tell apart.
    const accounts = events.some((event) => event.account !== DEFAULT_ACCOUNT);
    io.out(
      textTable(
        ['RECEIVED', ...(accounts ? ['ACCOUNT'] : []), 'EVENT ID', 'KEY', 'STATUS', 'ATTEMPTS', 'NEXT ATTEMPT', 'LAST ERROR'],
        events.map((event) => [
          time(event.receivedAt),
          ...(accounts ? [event.account] : []),
          event.eventId,
          event.key,
          event.status,
          String(event.attempts),
          // Only a waiting event has a next attempt worth showing.
          event.status === 'failed' || event.status === 'pending' ? time(event.nextAttemptAt) : '',
          truncate(event.lastError ?? '', 60),
        ]),
      ),
    );
  },
};

function mode(value: string | undefined): 'live' | 'test' | undefined {
  if (value === undefined || value === 'live' || value === 'test') return value;
  throw new UsageError(`--mode must be live or test, got "${value}"`);
}

/** `2026-01-31 12:00:00Z`: UTC to the second, short enough for a table. */
function time(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}
