import { CliFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand, type CliContext } from './cli-command';
import { closeMatches } from './support/close-matches';

/**
 * The commands, each loaded only when it runs: the database commands load TypeORM and a driver, which
 * `--help`, `sign` and a mistyped command have no use for.
 */
const COMMANDS: Record<string, { summary: string; load(): Promise<CliCommand> }> = {
  sign: {
    summary: 'print the signature headers and a curl command for a JSON file',
    load: async () => (await import('./commands/sign.command')).signCommand,
  },
  trigger: {
    summary: 'send a realistic signed event of any key to the app',
    load: async () => (await import('./commands/trigger.command')).triggerCommand,
  },
  replay: {
    summary: 're-queue stored events: one, every dead one, or by key and time',
    load: async () => (await import('./commands/replay.command')).replayCommand,
  },
  events: {
    summary: 'list stored events, newest first',
    load: async () => (await import('./commands/events.command')).eventsCommand,
  },
  prune: {
    summary: 'delete old finished events and their handler runs',
    load: async () => (await import('./commands/prune.command')).pruneCommand,
  },
  export: {
    summary: 'write stored bodies, exactly as received, to <dir>/<event_id>.json',
    load: async () => (await import('./commands/export.command')).exportCommand,
  },
  forward: {
    summary: 'poll the Omise Events API and deliver new events to the local app',
    load: async () => (await import('./commands/forward.command')).forwardCommand,
  },
  reconcile: {
    summary: 'store the events the Omise Events API has and the database lacks',
    load: async () => (await import('./commands/reconcile.command')).reconcileCommand,
  },
};

const OVERVIEW = `Usage: omise-webhooks <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(9)} ${summary}`)
  .join('\n')}

Run \`omise-webhooks <command> --help\` for a command's options.
The database commands read DATABASE_URL (or --database-url); the others post to the app's
endpoint. The environment includes ./.env, as an app's config module reads it.
Exit codes: 0 done, 1 failed, 2 wrong command line.
`;

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const { io } = context;
  const [name, ...args] = argv;
  if (name === undefined) {
    io.err(OVERVIEW);
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && args.length === 0)) {
    io.out(OVERVIEW);
    return EXIT_OK;
  }
  if (name === 'help') return runCli([args[0], '--help'], context);

  const entry = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const close = closeMatches(name, Object.keys(COMMANDS), 2);
    io.err(`omise-webhooks: unknown command "${name}"${close.length > 0 ? `; did you mean ${close.join(' or ')}?` : ''}\n\n${OVERVIEW}`);
    return EXIT_USAGE;
  }
  const command = await entry.load();
  const optionArgs = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (optionArgs.includes('--help') || optionArgs.includes('-h')) {
    io.out(`${command.help}\n`);
    return EXIT_OK;
  }

  try {
    return (await command.run(args, context)) ?? EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`omise-webhooks ${name}: ${error.message}\nRun \`omise-webhooks ${name} --help\` for usage.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CliFailure) {
      io.err(`omise-webhooks ${name}: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    // Not an expected failure: the message always, the stack when asked for (DEBUG=1).
    io.err(`omise-webhooks ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (context.env.DEBUG && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    return EXIT_FAILURE;
  }
}
