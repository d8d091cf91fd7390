import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { IntakeRefusal } from './intake-refusal';
import type { PlatformResponse } from './platform';
import { RefusalResponder } from './refusal-responder';

/**
 * Answers an {@link IntakeRefusal} with its status and body. Scoped to the webhook route only, so a
 * host application's own filters and error shapes are left alone (and Nest tries route filters first).
 */
@Catch(IntakeRefusal)
export class IntakeRefusalFilter implements ExceptionFilter<IntakeRefusal> {
  constructor(private readonly refusals: RefusalResponder) {}

  catch(refusal: IntakeRefusal, host: ArgumentsHost): void {
    this.refusals.answer(host.switchToHttp().getResponse<PlatformResponse>(), refusal);
  }
}
