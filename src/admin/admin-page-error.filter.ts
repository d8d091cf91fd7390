import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { type AdminRequest, mountedBase } from './admin-request';
import { errorPage, PAGE_HEADERS } from './page/admin-pages';

interface PageResponse {
  status(code: number): PageResponse;
  setHeader(name: string, value: string): void;
  send(body: string): void;
}

/** Errors of the admin page as a page: the status and what to do, in the browser, never a stack. */
@Catch()
export class AdminPageErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(private readonly path: string) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<PageResponse>();
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let message = 'The admin page failed; the app’s log says why.';
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      message = messageOf(exception);
    } else {
      // The message only: a query error also carries its parameters.
      this.logger.error(`admin page: ${exception instanceof Error ? exception.message : String(exception)}`);
    }
    for (const [name, value] of Object.entries(PAGE_HEADERS)) response.setHeader(name, value);
    response.status(status).send(errorPage({ base: mountedBase(http.getRequest<AdminRequest>(), this.path) }, status, message));
  }
}

function messageOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : exception.message;
}
