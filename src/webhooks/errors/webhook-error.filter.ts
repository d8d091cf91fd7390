import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { WebhookError } from './webhook-error';

/** The JSON body of every refused intake request. */
export interface WebhookErrorBody {
  statusCode: number;
  reason: string;
  message: string;
  details?: readonly string[];
}

/**
 * Maps {@link WebhookError} to its status and body. Scoped to the webhook controller only, so a host
 * application's own filters and error shapes are left alone.
 */
@Catch(WebhookError)
export class WebhookErrorFilter implements ExceptionFilter<WebhookError> {
  private readonly logger = new Logger('OmiseWebhooks');

  catch(error: WebhookError, host: ArgumentsHost): void {
    const status = error.status;
    // The reason only: never headers or body, which may carry signatures or card data.
    if (status >= HttpStatus.INTERNAL_SERVER_ERROR) this.logger.error(`intake refused (${status} ${error.reason}): ${error.message}`);
    else this.logger.warn(`intake refused (${status} ${error.reason})`);
    const body: WebhookErrorBody = { statusCode: status, reason: error.reason, message: error.message };
    if (error.details) body.details = error.details;
    host.switchToHttp().getResponse<Response>().status(status).json(body);
  }
}
