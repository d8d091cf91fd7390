import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Inject, Logger } from '@nestjs/common';
import { Masker } from '../masking/masker';
import { isUnavailable } from '../store/deadline';
import { type AdminRequest, mountedBase } from './admin-request';
import { errorPage, PAGE_HEADERS } from './page/admin-pages';
import { WEBHOOKS_ADMIN_CONFIG, type WebhooksAdminConfig } from './webhooks-admin.options';

interface AdminResponse {
  status(code: number): AdminResponse;
  setHeader(name: string, value: string): void;
  send(body: string): void;
  json(body: unknown): void;
}

/**
 * Errors of the admin routes, answered with their status and a message, never a stack: a refusal
 * (HttpException) as it is; anything else, such as a database that did not answer, as 503 or 500 with
 * one log line, the message only (a query error also carries its parameters), masked and escaped.
 */
abstract class AdminErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(
    @Inject(WEBHOOKS_ADMIN_CONFIG) protected readonly config: WebhooksAdminConfig,
    private readonly mask: Masker,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<AdminResponse>();
    if (exception instanceof HttpException) return this.answer(response, http.getRequest<AdminRequest>(), exception.getStatus(), exception.getResponse());
    const message = exception instanceof Error ? exception.message : String(exception);
    this.logger.error(`admin: ${this.mask.line(message)}`);
    const [status, text] =
      isUnavailable(exception)
        ? [HttpStatus.SERVICE_UNAVAILABLE, 'The database did not answer in time; try again in a moment.']
        : [HttpStatus.INTERNAL_SERVER_ERROR, 'The admin failed; the app’s log says why.'];
    this.answer(response, http.getRequest<AdminRequest>(), status, text);
  }

  protected abstract answer(response: AdminResponse, request: AdminRequest, status: number, body: string | object): void;
}

/** The admin page's errors as a page: the status and what to do, in the browser. */
@Catch()
export class AdminPageErrorFilter extends AdminErrorFilter {
  protected answer(response: AdminResponse, request: AdminRequest, status: number, body: string | object): void {
    for (const [name, value] of Object.entries(PAGE_HEADERS)) response.setHeader(name, value);
    response.status(status).send(errorPage({ base: mountedBase(request, this.config.path) }, status, messageOf(body)));
  }
}

/** The JSON API's errors as Nest answers them (`{statusCode, message, error}`), whatever the host's filters. */
@Catch()
export class AdminApiErrorFilter extends AdminErrorFilter {
  protected answer(response: AdminResponse, _request: AdminRequest, status: number, body: string | object): void {
    response.status(status).json(typeof body === 'string' ? { statusCode: status, message: body } : body);
  }
}

function messageOf(body: string | object): string {
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : 'The request was refused.';
}
