import { CliFailure, eventCount, parseCommandArgs, UsageError, type CliCommand } from '../cli-command';
import type { EventFilter } from '../../store/stored-event.types';
import { DATABASE_HELP, DATABASE_OPTIONS, StoreConnection } from '../support/store-connection';
import { isoTime } from '../support/option-values';
import { ProgressBar } from '../support/progress-bar';

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
by default). Prints how many were re-queued; a progress bar on stderr when there are many. Each replay
is recorded in the replay history (actor "cli"), with what the events had been through before.

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
    const range: EventFilter = {
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
      // The module's replay moves in short transactions of 500 events, so a big one advances in visible
      // steps and an interrupted one has re-queued (and recorded) exactly what it reported.
      let progress: ProgressBar | undefined;
      const { requeued } = await db.replays.replay(values.dead ? { ...range, status: 'dead' } : range, {
        force,
        actor: 'cli',
        progress: (batch, total) => (progress ??= ProgressBar.for(io, 're-queued', total)).advance(batch),
      });
      progress?.finish();
      io.out(`re-queued ${eventCount(requeued)}${requeued > 0 ? `; the app's worker runs ${requeued === 1 ? 'it' : 'them'} at its next sweep` : ''}\n`);
    } finally {
      await db.close();
    }
  },
};

async function replayOne(db: StoreConnection, eventId: string, force: boolean): Promise<void> {
  if ((await db.replays.replay({ eventId }, { force, actor: 'cli' })).requeued > 0) return;
  // Nothing was re-queued: say why, so the operator knows what to do next.
  const row = await db.events.findOne({ where: { eventId }, select: { eventId: true, status: true } });
  if (!row) throw new CliFailure(`no stored event ${eventId}`);
  if (row.status === 'processing') throw new CliFailure(`${eventId} is being processed right now; replay it once that ends`);
  throw new CliFailure(`${eventId} is ${row.status}: replay leaves finished events alone; add --force to run every handler again`);
}
