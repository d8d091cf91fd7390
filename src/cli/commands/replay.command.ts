import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from '../../store/webhook-event.entity';
import { CliFailure, eventCount, parseCommandArgs, UsageError, type CliCommand } from '../cli-command';
import { DATABASE_HELP, DATABASE_OPTIONS, StoreConnection, type EventSelection } from '../support/store-connection';
import { isoTime } from '../support/option-values';
import { batches, ProgressBar } from '../support/progress-bar';

const options = {
  ...DATABASE_OPTIONS,
  dead: { type: 'boolean' },
  key: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  force: { type: 'boolean' },
} as const;

export const replayCommand: CliCommand = {
  help: `Usage: omise-webhooks replay <event-id> [--force]
       omise-webhooks replay --dead [--force]
       omise-webhooks replay [--key PATTERN] [--since ISO] [--until ISO] [--force]

Re-queues stored events in the app's database with the module's own replay. The running app's worker picks them up at its next sweep (every 5 s
by default). Prints how many were re-queued; a progress bar on stderr when there are many.

  <event-id>        one event
  --dead            every dead event (out of retries)
  --key PATTERN     events of a key, * as a wildcard (charge.*)
  --since ISO       received at or after this time (2026-01-31, 2026-01-31T12:00:00Z)
  --until ISO       received before this time
  --force           also re-run processed and ignored events, and every handler, not only those
                    that have not succeeded yet
${DATABASE_HELP}

Without --force, processed and ignored events are left alone and handlers that succeeded are
not run again. An event being processed right now is never touched.`,

  async run(args, { io, env }) {
    const { values, positionals } = parseCommandArgs(args, options, { min: 0, max: 1, names: '<event-id>' });
    const force = values.force ?? false;
    const byRange = values.key !== undefined || values.since !== undefined || values.until !== undefined;
    const ways = [positionals.length > 0, values.dead === true, byRange].filter(Boolean).length;
    if (ways !== 1) throw new UsageError('give exactly one of: an event id, --dead, or --key/--since/--until');
    const range: EventSelection = {
      key: values.key,
      since: values.since === undefined ? undefined : isoTime('--since', values.since),
      until: values.until === undefined ? undefined : isoTime('--until', values.until),
    };

    const db = await StoreConnection.open(values, env);
    try {
      if (positionals.length > 0) {
        await replayOne(db, positionals[0], force);
        io.out(`re-queued ${positionals[0]}; the app's worker runs it at its next sweep\n`);
        return;
      }
      const ids = await db.ids({ ...range, statuses: values.dead ? ['dead'] : replayable(force) });
      // One short transaction per batch of ids, so a big replay moves in visible steps and an
      // interrupted one has re-queued exactly what it reported.
      const progress = ProgressBar.for(io, 're-queued', ids.length);
      let requeued = 0;
      for (const batch of batches(ids)) {
        requeued += await db.dispatch.replay({ eventIds: batch }, force);
        progress.advance(batch.length);
      }
      progress.finish();
      io.out(`re-queued ${eventCount(requeued)}${requeued > 0 ? `; the app's worker runs ${requeued === 1 ? 'it' : 'them'} at its next sweep` : ''}\n`);
    } finally {
      await db.close();
    }
  },
};

/**
 * The statuses the module's replay takes (DispatchStore.replayCondition): never one being processed,
 * and without force not the finished ones either. It checks each event again as it re-queues it.
 */
function replayable(force: boolean): readonly WebhookEventStatus[] {
  return force ? WEBHOOK_EVENT_STATUSES.filter((status) => status !== 'processing') : ['failed', 'dead', 'pending'];
}

async function replayOne(db: StoreConnection, eventId: string, force: boolean): Promise<void> {
  if ((await db.dispatch.replay({ eventId }, force)) > 0) return;
  // Nothing was re-queued: say why, so the operator knows what to do next.
  const row = await db.events.findOne({ where: { eventId }, select: { eventId: true, status: true } });
  if (!row) throw new CliFailure(`no stored event ${eventId}`);
  if (row.status === 'processing') throw new CliFailure(`${eventId} is being processed right now; replay it once that ends`);
  throw new CliFailure(`${eventId} is ${row.status}: replay leaves finished events alone; add --force to run every handler again`);
}
