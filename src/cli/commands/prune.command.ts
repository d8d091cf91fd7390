import { eventCount, parseCommandArgs, UsageError, type CliCommand } from '../cli-command';
import { DATABASE_HELP, DATABASE_OPTIONS, StoreConnection } from '../support/store-connection';
import { duration, statuses } from '../support/option-values';
import { BATCH_SIZE, ProgressBar } from '../support/progress-bar';

const options = {
  ...DATABASE_OPTIONS,
  'older-than': { type: 'string' },
  status: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
} as const;

export const pruneCommand: CliCommand = {
  help: `Usage: omise-webhooks prune --older-than 30d [--status S] [--dry-run] [--database-url URL]

Deletes events received longer ago than --older-than from the app's database, with their handler
runs, ${BATCH_SIZE} at a time.

Options:
  --older-than D   age, such as 30d, 12h, 90m or 2w (required)
  --status S       which statuses to delete; repeatable or comma-separated. Default: processed
                   and ignored only. pending, processing, failed and dead events are kept unless
                   named here: they are work not yet done.
  --dry-run        print how many events would be deleted, delete nothing
${DATABASE_HELP}`,

  async run(args, { io, env }) {
    const { values } = parseCommandArgs(args, options, { min: 0, max: 0, names: '' });
    if (values['older-than'] === undefined) throw new UsageError('--older-than is required, such as --older-than 30d');
    const cutoff = new Date(Date.now() - duration('--older-than', values['older-than']));
    const deleting = statuses(values.status) ?? ['processed', 'ignored'];
    const filter = { status: deleting, until: cutoff };
    const what = (count: number) => `${eventCount(count)} (${deleting.join(', ')}) received before ${cutoff.toISOString()}`;

    const db = await StoreConnection.open(values, env);
    try {
      const total = await db.count(filter);
      if (values['dry-run']) {
        io.out(`would delete ${what(total)}\n`);
        return;
      }
      const progress = ProgressBar.for(io, 'deleted', total);
      let deleted = 0;
      for (;;) {
        const count = await db.deleteSome(filter, BATCH_SIZE);
        if (count === 0) break;
        deleted += count;
        progress.advance(count);
      }
      progress.finish();
      io.out(`deleted ${what(deleted)}\n`);
    } finally {
      await db.close();
    }
  },
};
