import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { WebhookTelemetry } from '../telemetry/telemetry';
import type { IntakeError } from './intake-error';

/** The JSON body of every refused intake request. */
export interface IntakeErrorBody {
  statusCode: number;
  reason: string;
  message: string;
  details?: readonly string[];
}

/** One log line per reason per this interval at most, with a count of the refusals not logged. */
const LOG_INTERVAL_MS = 10_000;

/**
 * How the webhook route refuses a request, wherever the refusal comes from (the body reader ahead of
 * the host's parsers, the guard, the envelope, the store): one status and body per reason, and a log
 * an attacker cannot flood.
 */
@Injectable()
export class IntakeRefusals {
  private readonly logger = new Logger('OmiseWebhooks');
  /** Per reason: when it was last logged and how many refusals went unlogged since. */
  private readonly lastLogged = new Map<string, { at: number; unlogged: number }>();

  constructor(private readonly telemetry: WebhookTelemetry) {}

  answer(response: ServerResponse, error: IntakeError): void {
    const status = error.status;
    this.log(error, status);
    this.telemetry.intakeAnswered(response.req, { refused: error.reason, status });
    const body: IntakeErrorBody = { statusCode: status, reason: error.reason, message: error.message };
    if (error.details) body.details = error.details;
    const text = JSON.stringify(body);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  }

  /**
   * The reason only, and for server-side failures the underlying error's message, escaped: never
   * headers or body, which may carry signatures or card data, and never a stack trace for what is
   * the sender's input.
   */
  private log(error: IntakeError, status: HttpStatus): void {
    const now = Date.now();
    const last = this.lastLogged.get(error.reason);
    if (last && now - last.at < LOG_INTERVAL_MS) {
      last.unlogged += 1;
      return;
    }
    const more = last?.unlogged ? ` (+${last.unlogged} more since the last line)` : '';
    this.lastLogged.set(error.reason, { at: now, unlogged: 0 });
    if (status >= HttpStatus.INTERNAL_SERVER_ERROR) {
      const cause = error.cause instanceof Error ? `: ${escaped(error.cause.message)}` : '';
      this.logger.error(`intake refused (${status} ${error.reason}): ${error.message}${cause}${more}`);
    } else {
      this.logger.warn(`intake refused (${status} ${error.reason})${more}`);
    }
  }
}

/** Text safe for one log line: control characters (a NUL in a forged id, a newline) as escapes. */
export function escaped(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).slice(0, 500);
}
