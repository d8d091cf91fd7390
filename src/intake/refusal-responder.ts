import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { RateLimitedLog } from '../common/rate-limited-log';
import { Masker } from '../masking/masker';
import { WebhooksTelemetry } from '../telemetry/telemetry';
import { DeliveryContext } from './delivery-context';
import type { IntakeRefusal } from './intake-refusal';
import type { IntakeRefusalBody } from './intake.types';
import { nodeResponseOf, type PlatformResponse } from './platform';

/** What a 503 asks the sender to wait. */
const RETRY_AFTER_SECONDS = 5;

/** One log line per reason per this interval at most, with a count of the refusals not logged. */
export const LOG_INTERVAL_MS = 10_000;

/**
 * How the webhook route refuses a request, wherever the refusal comes from (the body reader ahead of
 * the host's parsers, the guard, the envelope, the store): one status and body per reason, and a log
 * an attacker cannot flood.
 */
@Injectable()
export class RefusalResponder {
  private readonly logger = new Logger('OmiseWebhooks');
  private readonly lines = new RateLimitedLog(LOG_INTERVAL_MS);

  constructor(
    private readonly telemetry: WebhooksTelemetry,
    /** A driver's message may quote what it refused: part of a body. */
    private readonly mask: Masker,
  ) {}

  answer(platformResponse: PlatformResponse, error: IntakeRefusal): void {
    const response = nodeResponseOf(platformResponse);
    const status = error.status;
    this.log(error, status);
    // `req` is there on every response Node makes; a hand-made one (a unit test) may lack it.
    const context = (response.req as ServerResponse['req'] | undefined) && DeliveryContext.of(response.req);
    this.telemetry.intakeAnswered(context?.trace, { refused: error.reason, status }, context?.account?.name);
    const body: IntakeRefusalBody = { statusCode: status, reason: error.reason, message: error.message };
    if (error.details) body.details = error.details;
    const text = JSON.stringify(body);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      // A state of this server that passes (the store, the Omise API): Omise retries on its own schedule either way.
      ...(status === HttpStatus.SERVICE_UNAVAILABLE ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {}),
    });
    response.end(text);
  }

  /**
   * The reason only, and for server-side failures the underlying error's message, escaped: never
   * headers or body, which may carry signatures or card data, and never a stack trace for what is
   * the sender's input.
   */
  private log(error: IntakeRefusal, status: HttpStatus): void {
    this.lines.line(error.reason, (more) => {
      if (status >= HttpStatus.INTERNAL_SERVER_ERROR) {
        const cause = error.cause instanceof Error ? `: ${this.mask.line(error.cause.message)}` : '';
        this.logger.error(`intake refused (${status} ${error.reason}): ${error.message}${cause}${more}`);
      } else {
        this.logger.warn(`intake refused (${status} ${error.reason})${more}`);
      }
    });
  }
}
