import { readFileSync } from 'node:fs';
import { signOmiseWebhook } from '../../wire/sign-omise-webhook';
import { CliFailure, parseCommandArgs, UsageError, type CliCommand } from '../cli-command';
import { ENDPOINT_HELP, ENDPOINT_OPTIONS, resolveWebhookSecret, webhookUrl } from '../support/webhook-delivery';

const options = {
  ...ENDPOINT_OPTIONS,
  timestamp: { type: 'string' },
} as const;

export const signCommand: CliCommand = {
  help: `Usage: omise-webhooks sign <file> [--timestamp T] [--url U | --path P] [--secret S | --secret-file F]

Signs the exact bytes of <file> as Omise signs a delivery and prints the three headers, then a
curl command that sends the file unchanged (--data-binary @file).

Options:
  --timestamp T      Unix seconds to sign with (default: now). The receiver accepts a signature
                     for 300 s either side of its timestamp by default: sign again after that.
${ENDPOINT_HELP}

The secret itself is never printed.`,

  run(args, { io, env }) {
    const { values, positionals } = parseCommandArgs(args, options, { min: 1, max: 1, names: '<file>' });
    const file = positionals[0];
    const timestamp = values.timestamp === undefined ? undefined : unixSeconds(values.timestamp);
    const url = webhookUrl(values, env);
    const { secret, source } = resolveWebhookSecret(values, env);
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch (error) {
      throw new CliFailure(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }

    const headers = signOmiseWebhook(body, secret, { timestamp });
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    io.out(`${lines.join('\n')}\n\n`);
    io.out(
      `curl -i ${shellQuote(url)} \\\n` +
        lines.map((line) => `  -H ${shellQuote(line)} \\\n`).join('') +
        `  --data-binary @${shellQuote(file)}\n`,
    );
    io.err(`signed ${body.length} bytes of ${file} with the secret from ${source}\n`);
  },
};

function unixSeconds(value: string): number {
  if (!/^[0-9]{1,15}$/.test(value)) throw new UsageError(`--timestamp must be Unix seconds such as ${Math.floor(Date.now() / 1000)}, got "${value}"`);
  return Number(value);
}

/** One shell word, whatever it contains (POSIX single quotes). */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
