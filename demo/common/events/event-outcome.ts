import type { Logger } from '@nestjs/common';
import type { OrderedOutcome } from '../persistence/apply-if-newer';

/**
 * What a handler did with an event. `ignored`: the payload names no object this module can store (a
 * hand-edited or truncated `data`); retrying would not change that, so it is logged, not thrown.
 */
export type EventOutcome = OrderedOutcome | 'ignored';

interface EventRef {
  readonly key: string;
  readonly id: string;
}

export function ignoreEvent(logger: Logger, event: EventRef, reason: string): 'ignored' {
  logger.warn(`${event.key} ${event.id} ignored: ${reason}.`);
  return 'ignored';
}

/** Debug-level trace of each decision: stale and duplicate events are normal, not warnings. */
export function traceOutcome<O extends EventOutcome>(logger: Logger, event: EventRef, subjectId: string, outcome: O): O {
  logger.debug(`${event.key} ${event.id} for ${subjectId}: ${outcome}`);
  return outcome;
}
