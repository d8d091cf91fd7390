import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliFailure, eventCount, parseCommandArgs, UsageError, type CliCommand } from '../cli-command';
import { DATABASE_HELP, DATABASE_OPTIONS, StoreConnection } from '../support/store-connection';
import { statuses } from '../support/option-values';
import { BATCH_SIZE, ProgressBar } from '../support/progress-bar';

const options = {
  ...DATABASE_OPTIONS,
  dir: { type: 'string' },
  status: { type: 'string', multiple: true },
  key: { type: 'string' },
} as const;

export const exportCommand: CliCommand = {
  help: `Usage: omise-webhooks export --dir DIR [--status S] [--key PATTERN] [--database-url URL]

Writes the raw body of each stored event, byte for byte as it was received and signed, to
DIR/<event_id>.json (made if missing; existing files are overwritten). Bodies may carry card
data: keep DIR private.

Options:
  --dir DIR        where to write (required)
  --status S       only these statuses; repeatable or comma-separated
  --key PATTERN    only this key, * as a wildcard (charge.*)
${DATABASE_HELP}`,

  async run(args, { io, env }) {
    const { values } = parseCommandArgs(args, options, { min: 0, max: 0, names: '' });
    if (values.dir === undefined) throw new UsageError('--dir is required, such as --dir ./log/events');
    const dir = values.dir;
    const filter = { status: statuses(values.status), key: values.key };

    const db = await StoreConnection.open(values, env);
    let written = 0;
    try {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (error) {
        throw new CliFailure(`cannot make ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      const progress = ProgressBar.for(io, 'exported', await db.count(filter));
      for await (const page of db.bodies(filter, BATCH_SIZE)) {
        // The stored text is the received bytes decoded as strict UTF-8, so encoding it again gives them back.
        for (const { eventId, bodyText } of page) writeFileSync(join(dir, fileName(eventId)), bodyText, 'utf8');
        written += page.length;
        progress.advance(page.length);
      }
      progress.finish();
    } finally {
      await db.close();
    }
    io.out(`exported ${eventCount(written)} to ${dir}\n`);
  },
};

/**
 * `<event_id>.json`. An id is whatever the signed body said (up to 64 characters); percent-encoding
 * keeps anything unusual in it (a slash, a dot-dot) inside DIR. Omise's ids (`evnt_test_…`) are unchanged.
 */
function fileName(eventId: string): string {
  return `${encodeURIComponent(eventId)}.json`;
}
