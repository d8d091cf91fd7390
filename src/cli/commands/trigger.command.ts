import { buildOmiseEvent, type OmiseEventOverrides } from '../../testing/omise-event-factory';
import { serializeOmiseEvent } from '../../wire/serialize-omise-event';
import { isOmiseEventKey, OMISE_EVENT_KEYS } from '../../events/omise-event-catalogue';
import { EXIT_FAILURE, parseCommandArgs, UsageError, type CliCommand } from '../cli-command';
import { closeMatches } from '../support/close-matches';
import { parseAssignment, setPath, throughArray } from '../support/set-path';
import { deliverEvent, deliveryHint, ENDPOINT_HELP, ENDPOINT_OPTIONS, resolveWebhookSecret, webhookUrl } from '../support/webhook-delivery';

const options = {
  ...ENDPOINT_OPTIONS,
  set: { type: 'string', multiple: true },
} as const;

export const triggerCommand: CliCommand = {
  help: `Usage: omise-webhooks trigger <event-key> [--set path=value …] [--url U | --path P]
                                           [--secret S | --secret-file F]

Builds a realistic event for <event-key> (an Omise event envelope with the object that key
carries, in the state it announces), pretty-prints it as Omise does, signs it and POSTs it.
Prints the HTTP status and the answer; exits 1 when the answer is not 2xx.

Options:
  --set path=value   change a field before signing; repeatable. A dot path from the event
                     (data.amount=5000, data.metadata.order_id=A-17, id=evnt_test_mine); the
                     value is parsed as JSON when it is JSON, else taken as a string.
${ENDPOINT_HELP}

Event keys:
${columns(OMISE_EVENT_KEYS)}`,

  async run(args, { io, env }) {
    const { values, positionals } = parseCommandArgs(args, options, { min: 1, max: 1, names: '<event-key>' });
    const key = positionals[0];
    if (!isOmiseEventKey(key)) {
      const close = closeMatches(key, OMISE_EVENT_KEYS);
      throw new UsageError(
        `unknown event key "${key}". ${close.length > 0 ? `Close keys: ${close.join(', ')}.` : 'See the list of keys in --help.'}`,
      );
    }
    const url = webhookUrl(values, env);
    const assignments = (values.set ?? []).map(parseAssignment);
    const { secret } = resolveWebhookSecret(values, env);

    // Most --set values go to the factory as overrides, so what it derives follows them (data.amount →
    // fees and net, data.id → data.location). Its merge replaces arrays whole, so paths into an array
    // (data.refunds.data.0.amount) are set on the built event instead.
    const overrides: Record<string, unknown> = {};
    for (const assignment of assignments.filter((a) => !throughArray(a))) setPath(overrides, assignment);
    // The user may set any field to anything: the event is sent as asked, typed or not.
    const event = buildOmiseEvent(key, overrides as OmiseEventOverrides<typeof key>);
    for (const assignment of assignments.filter(throughArray)) setPath(event, assignment);

    const result = await deliverEvent(url, serializeOmiseEvent(event), secret);
    const hint = deliveryHint(url, result);
    // A 404's body is the framework's page for an unknown route: the hint says more.
    io.out(`${key} ${String(event.id)} → ${url}\n${result.status} ${result.statusText}\n${hint ? '' : `${result.body}\n`}`);
    if (hint) io.err(`${hint}\n`);
    return result.ok ? undefined : EXIT_FAILURE;
  },
};

/** The keys in three columns, for the help text. */
function columns(keys: readonly string[]): string {
  const width = Math.max(...keys.map((key) => key.length)) + 2;
  const rows: string[] = [];
  for (let i = 0; i < keys.length; i += 3) rows.push(`  ${keys.slice(i, i + 3).map((key) => key.padEnd(width)).join('').trimEnd()}`);
  return rows.join('\n');
}
