import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { IntakeError } from './intake-error';
import { IntakeRefusals } from './refusals';

/**
 * Answers {@link IntakeError} with its status and body. Scoped to the webhook route only, so a host
 * application's own filters and error shapes are left alone (and Nest tries route filters first).
 */
@Catch(IntakeError)
export class IntakeErrorFilter implements ExceptionFilter<IntakeError> {
  constructor(private readonly refusals: IntakeRefusals) {}

  catch(error: IntakeError, host: ArgumentsHost): void {
    this.refusals.answer(host.switchToHttp().getResponse<ServerResponse>(), error);
  }
}
