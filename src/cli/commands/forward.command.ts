import { setTimeout as sleep } from 'node:timers/promises';
import { asDelivered } from '../../wire/omise-events-api';
import { serializeOmiseEvent } from '../../wire/serialize-omise-event';
import { CliFailure, eventCount, EXIT_FAILURE, EXIT_OK, parseCommandArgs, type CliCommand, type CliIo } from '../cli-command';
import { EVENTS_API_HELP, EVENTS_API_OPTIONS, OmiseEventsClient, SecretKeyRefused, type ListedEvent } from '../support/omise-events-client';
import { duration, isoTime } from '../support/option-values';
import { deliverEvent, deliveryHint, ENDPOINT_HELP, ENDPOINT_OPTIONS, resolveWebhookSecret, webhookUrl } from '../support/webhook-delivery';

const options = {
  ...ENDPOINT_OPTIONS,
  ...EVENTS_API_OPTIONS,
  since: { type: 'string' },
  interval: { type: 'string' },
  once: { type: 'boolean' },
} as const;

/** Without --since, start this far back, so an event made just before the command started is not missed. */
const START_WINDOW_MS = 60_000;
/** The most the Events API returns per page. */
const PAGE_SIZE = 100;

export const forwardCommand: CliCommand = {
  help: `Usage: omise-webhooks forward [--secret-key skey_…] [--api-base URL] [--since ISO] [--interval 5s]
                              [--once] [--url U | --path P] [--secret S | --secret-file F]

For development without a public URL: polls the Omise Events API
(GET {api-base}/events?order=chronological&from=…) and POSTs each event not yet forwarded to the
local endpoint, pretty-printed and signed with the local webhook secret, as Omise would deliver
it. Forwarded ids are remembered while it runs. Ctrl-C stops it.

Options:
${EVENTS_API_HELP}
  --since ISO         forward events created at or after this time (default: a minute ago)
  --interval D        time between polls (default 5s)
  --once              forward one page (up to ${PAGE_SIZE} events) and exit: 1 if any delivery failed
${ENDPOINT_HELP}`,

  async run(args, { io, env }) {
    const { values } = parseCommandArgs(args, options, { min: 0, max: 0, names: '' });
    const client = OmiseEventsClient.fromOptions(values, env);
    const to = webhookUrl(values, env);
    const interval = duration('--interval', values.interval ?? '5s');
    const since = values.since === undefined ? new Date(Date.now() - START_WINDOW_MS) : isoTime('--since', values.since);
    const { secret } = resolveWebhookSecret(values, env);
    const forwarder = new EventForwarder(client, to, secret, since, io);

    if (values.once) {
      const { forwarded, failed } = await forwarder.poll(true);
      io.out(`forwarded ${eventCount(forwarded)}${failed > 0 ? `, ${failed} failed` : ''}\n`);
      return failed > 0 ? EXIT_FAILURE : EXIT_OK;
    }

    io.err(`forwarding events from ${client.baseUrl} to ${to}, created since ${since.toISOString()}, every ${values.interval ?? '5s'}; Ctrl-C stops\n`);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    try {
      while (!stop.signal.aborted) {
        try {
          await forwarder.poll(false);
        } catch (error) {
          // A wrong key stays wrong; anything else (network, the app restarting) may pass: poll again.
          if (error instanceof SecretKeyRefused || !(error instanceof CliFailure)) throw error;
          io.err(`${error.message} Trying again in ${values.interval ?? '5s'}.\n`);
        }
        await sleep(interval, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
    io.err(`stopped after forwarding ${eventCount(forwarder.total)}\n`);
    return EXIT_OK;
  },
};

/** Polls from a moving cursor and delivers each event once. */
class EventForwarder {
  /** Forwarded ids with their creation time; those older than the cursor are let go (never listed again). */
  private readonly forwarded = new Map<string, number>();
  private cursor: number;
  /** Delivered since the command started. */
  total = 0;
  /** The hint for a 404 is printed once, not once per event. */
  private hinted = false;

  constructor(
    private readonly client: OmiseEventsClient,
    private readonly to: string,
    private readonly secret: string,
    since: Date,
    private readonly io: CliIo,
  ) {
    this.cursor = since.getTime();
  }

  async poll(onePage: boolean): Promise<{ forwarded: number; failed: number }> {
    // Omise times have whole seconds and `from` includes its second: events at the cursor come back
    // on the next poll, and the remembered ids skip them.
    const from = new Date(this.cursor);
    let offset = 0;
    let newest = this.cursor;
    const failedAt: number[] = [];
    let forwarded = 0;
    for (;;) {
      const page = await this.client.list({ from, offset, limit: PAGE_SIZE });
      for (const event of page.events) {
        if (this.forwarded.has(event.id)) continue;
        const created = createdAt(event) ?? this.cursor;
        const result = await deliverEvent(this.to, serializeOmiseEvent(asDelivered(event)), this.secret);
        const hint = deliveryHint(this.to, result);
        this.io.out(`${event.id} ${String(event.key)} → ${result.status}${result.ok || hint ? '' : ` ${result.body}`}\n`);
        if (hint && !this.hinted) {
          this.hinted = true;
          this.io.err(`${hint}\n`);
        }
        if (result.ok) {
          this.forwarded.set(event.id, created);
          newest = Math.max(newest, created);
          forwarded += 1;
          this.total += 1;
        } else {
          failedAt.push(created);
        }
      }
      offset += page.listed;
      if (onePage || page.listed === 0 || offset >= page.total) break;
    }
    // The next poll starts at the newest event delivered, or at the oldest that failed so it is listed again.
    this.cursor = failedAt.length > 0 ? Math.min(...failedAt) : newest;
    for (const [id, created] of this.forwarded) if (created < this.cursor) this.forwarded.delete(id);
    return { forwarded, failed: failedAt.length };
  }
}

function createdAt(event: ListedEvent): number | undefined {
  const time = Date.parse(String(event.created_at ?? event.created));
  return Number.isNaN(time) ? undefined : time;
}
