import { parseDuration } from '../../common/duration';
import type { OmiseEvent } from '../../events/omise-event';
import { escaped } from '../../common/log-text';
import { DEFAULT_MASKER } from '../../masking/masker';
import { describeCounts, describeWindow, RECONCILE_PAGE_SIZE, Reconciliation } from '../../reconcile/reconciliation';
import { IntakeStore } from '../../store/intake-store';
import { omiseTime } from '../../wire/omise-events-api';
import { parseCommandArgs, UsageError, type CliCommand } from '../cli-command';
import { EVENTS_API_HELP, EVENTS_API_OPTIONS, OmiseEventsClient } from '../support/omise-events-client';
import { accountName, isoTime } from '../support/option-values';
import { DEFAULT_ACCOUNT } from '../../events/omise-mode';
import { ProgressBar } from '../support/progress-bar';
import { DATABASE_HELP, DATABASE_OPTIONS, StoreConnection } from '../support/store-connection';

const options = {
  ...DATABASE_OPTIONS,
  ...EVENTS_API_OPTIONS,
  since: { type: 'string' },
  until: { type: 'string' },
  'dry-run': { type: 'boolean' },
  account: { type: 'string' },
} as const;

export const reconcileCommand: CliCommand = {
  help: `Usage: omise-webhooks reconcile --since 3d [--until ISO] [--dry-run] [--account NAME]
                                [--secret-key skey_…] [--api-base URL] [--database-url URL]

Finds the events Omise sent that the app never stored (its endpoint was down longer than Omise
retries, a deploy answered 5xx for hours): pages through the Omise Events API, oldest first
(GET {api-base}/events?order=chronological&from=…&to=…), and stores every event the app's table
lacks, as the endpoint stores a delivery, marked with source "reconciliation". Idempotent: what
is stored already, or is delivered meanwhile, is stored once. The running app's worker
dispatches the stored events at its next sweep. Prints how many events were listed, already
stored, missing (stored now) and refused; progress on stderr.

Options:
  --since D|ISO       events created this long ago (3d, 12h) or since this time (required)
  --until ISO         and created at or before this time (default: now)
  --dry-run           list the missing events, store nothing
  --account NAME      the app's account whose Events API this is (with its own --secret-key):
                      its events are compared and stored under that name (default: default)
${EVENTS_API_HELP}
${DATABASE_HELP}`,

  async run(args, { io, env }) {
    const { values } = parseCommandArgs(args, options, { min: 0, max: 0, names: '' });
    if (values.since === undefined) throw new UsageError('--since is required, such as --since 3d or --since 2026-01-31');
    const now = Date.now();
    const from = sinceTime(values.since, now);
    // Up to the last whole second by default: the API's times have seconds only (see ReconcileJob).
    const to = values.until === undefined ? new Date(now - 1000) : isoTime('--until', values.until);
    if (from >= to) throw new UsageError('--since must be before --until');
    const api = OmiseEventsClient.fromOptions(values, env);
    const dryRun = values['dry-run'] === true;
    const account = accountName('--account', values.account) ?? DEFAULT_ACCOUNT;

    const db = await StoreConnection.open(values, env);
    const found: OmiseEvent[] = [];
    let progress: ProgressBar | undefined;
    let shown = 0;
    const reconciliation = new Reconciliation(
      {
        api,
        db: db.database,
        store: new IntakeStore(db.database, RECONCILE_PAGE_SIZE),
        // The CLI does not know the app's modes: it stores every event, and the app's worker ignores
        // those of the other mode than the account's, as it does for a replay.
        account: { name: account, mode: 'any' },
      },
      {
        from,
        to,
        dryRun,
        onProgress: (done, total) => {
          progress ??= ProgressBar.for(io, 'listed', total, RECONCILE_PAGE_SIZE);
          progress.advance(done - shown);
          shown = done;
        },
        onMissing: dryRun ? (event) => found.push(event) : undefined,
      },
    );
    try {
      await reconciliation.reconcile();
    } catch (error) {
      progress?.finish();
      const { missing } = reconciliation.counts;
      if (missing > 0 && !dryRun) io.err(`stopped after storing ${missing} missing event(s), which stay stored\n`);
      throw error;
    } finally {
      await db.close();
    }
    progress?.finish();

    for (const event of found) io.out(`${event.id} ${event.key} created ${omiseTime(event.createdAt)}\n`);
    // Why a row was refused may quote the database's message, and with it a value of the event.
    for (const { id, why } of reconciliation.refusedEvents) io.err(`refused ${id === null ? 'an item' : escaped(id)}: ${DEFAULT_MASKER.line(why)}\n`);
    const { counts } = reconciliation;
    const next = counts.missing > 0 && !dryRun ? "; the app's worker dispatches them at its next sweep" : '';
    io.out(`events created ${describeWindow({ from, to })}: ${describeCounts(counts, dryRun)}${next}\n`);
  },
};

/** `--since`: a duration back from now (3d), or a time. */
function sinceTime(value: string, now: number): Date {
  const ms = parseDuration(value);
  if (ms !== null) return new Date(now - ms);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) return isoTime('--since', value);
  throw new UsageError(`--since must be a duration such as 3d or 12h, or an ISO-8601 time such as 2026-01-31, got "${value}"`);
}
