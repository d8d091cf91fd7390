import { DEFAULT_MASKER } from '../../masking/masker';
import type { WebhookEventEntity } from '../../store/webhook-event.entity';
import { parseCommandArgs, type CliCommand } from '../cli-command';
import { DATABASE_HELP, DATABASE_OPTIONS, StoreConnection } from '../support/store-connection';
import { positiveInt, statuses } from '../support/option-values';
import { textTable, truncate } from '../support/text-table';

const options = {
  ...DATABASE_OPTIONS,
  status: { type: 'string', multiple: true },
  key: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const eventsCommand: CliCommand = {
  help: `Usage: omise-webhooks events [--status S] [--key PATTERN] [--limit N] [--json] [--database-url URL]

Lists the events stored in the app's database, newest first: id, key, status, attempts, times and the last handler error, with card
data, secrets and personal data masked (the module's default rules). Never the bodies (they may carry card data): use
\`omise-webhooks export\` for those.

Options:
  --status S       pending, processing, processed, failed, dead or ignored; repeatable or
                   comma-separated
  --key PATTERN    a key, * as a wildcard (charge.*)
  --limit N        at most N events (default 100)
  --json           one JSON object per line (JSON Lines), for jq and scripts
${DATABASE_HELP}`,

  async run(args, { io, env }) {
    const { values } = parseCommandArgs(args, options, { min: 0, max: 0, names: '' });
    const limit = values.limit === undefined ? 100 : positiveInt('--limit', values.limit);
    const filter = { status: statuses(values.status), key: values.key };

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
    io.out(
      textTable(
        ['RECEIVED', 'EVENT ID', 'KEY', 'STATUS', 'ATTEMPTS', 'NEXT ATTEMPT', 'LAST ERROR'],
        events.map((event) => [
          time(event.receivedAt),
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

/** `2026-01-31 12:00:00Z`: UTC to the second, short enough for a table. */
function time(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}
