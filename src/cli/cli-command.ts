import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes: 0 done, 1 the work failed, 2 the command line was wrong (nothing was done). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A wrong command line: exit 2, with the message and a pointer to `--help`. */
export class UsageError extends Error {}

/** The command could not do its work: exit 1 with the message, no stack (it is not a bug). */
export class CliFailure extends Error {}

/** Where a command writes. The CLI is the one place in src/ that writes to stdout/stderr itself. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal: a redrawn progress bar there, plain lines in logs. */
  readonly stderrIsTty: boolean;
}

export interface CliContext {
  io: CliIo;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  /** The whole `--help` text. */
  readonly help: string;
  /** The exit code (nothing: 0); throws (or rejects with) UsageError or CliFailure. */
  run(args: string[], context: CliContext): Promise<number | void> | number | void;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/**
 * Parses a command's arguments strictly (unknown options and missing values are usage errors) and
 * checks the number of positional arguments.
 */
export function parseCommandArgs<O extends Options>(
  args: string[],
  options: O,
  positionals: { min: number; max: number; names: string },
): Parsed<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util reports every command-line problem as a TypeError with an ERR_PARSE_ARGS_* code.
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError(`missing ${positionals.names}`);
  if (count > positionals.max) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"${positionals.max === 0 ? '' : ` (only ${positionals.names})`}`);
  }
  return parsed;
}

/** `1 event`, `2 events`: the counts commands report. */
export function eventCount(count: number): string {
  return `${count} event${count === 1 ? '' : 's'}`;
}
