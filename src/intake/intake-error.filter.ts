import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { IntakeError } from './intake-error';

/** The JSON body of every refused intake request. */
export interface IntakeErrorBody {
  statusCode: number;
  reason: string;
  message: string;
  details?: readonly string[];
}

/**
 * Maps {@link IntakeError} to its status and body. Scoped to the webhook controller only, so a host
 * application's own filters and error shapes are left alone.
 */
@Catch(IntakeError)
export class IntakeErrorFilter implements ExceptionFilter<IntakeError> {
  private readonly logger = new Logger('OmiseWebhooks');
  /** Per reason: when it was last logged and how many refusals went unlogged since. */
  private readonly lastLogged = new Map<string, { at: number; unlogged: number }>();

  catch(error: IntakeError, host: ArgumentsHost): void {
    const status = error.status;
    this.log(error, status);
    const body: IntakeErrorBody = { statusCode: status, reason: error.reason, message: error.message };
    if (error.details) body.details = error.details;
    host.switchToHttp().getResponse<Response>().status(status).json(body);
  }

  /**
   * The reason only: never headers or body, which may carry signatures or card data. At most one line
   * per reason every {@link LOG_INTERVAL_MS}, with a count of the rest, so a flood of forged requests
   * cannot flood the log (or spend the CPU writing it).
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
    if (status >= HttpStatus.INTERNAL_SERVER_ERROR) this.logger.error(`intake refused (${status} ${error.reason}): ${error.message}${more}`);
    else this.logger.warn(`intake refused (${status} ${error.reason})${more}`);
  }
}

const LOG_INTERVAL_MS = 10_000;
