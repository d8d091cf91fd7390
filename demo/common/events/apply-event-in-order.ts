import type { Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { OMISE_EVENT_OBJECTS, type OmiseEventKey, type OmiseEventOf } from 'omise-nest-webhooks';
import { applyIfNewer, type OrderedChange } from '../persistence/apply-if-newer';
import type { EventOrderedEntity } from '../persistence/event-ordered.entity';
import { type EventOutcome, ignoreEvent, traceOutcome } from './event-outcome';
import { subjectIdOf } from './payload-values';

/**
 * The common path of a domain handler: find the object the event is about, apply the event's values
 * to its row if the event is newer than the last one applied there (see applyIfNewer), trace it.
 * Database errors propagate, so the dispatcher can retry.
 */
export async function applyEventInOrder<T extends EventOrderedEntity, K extends OmiseEventKey>(
  repository: Repository<T>,
  logger: Logger,
  event: OmiseEventOf<K>,
  change: Pick<OrderedChange<T>, 'set' | 'raise'>,
): Promise<EventOutcome> {
  const objectId = subjectIdOf(event);
  if (objectId === undefined) return ignoreEvent(logger, event, `data is not a ${OMISE_EVENT_OBJECTS[event.key]} with an id`);
  const outcome = await applyIfNewer(repository, { objectId, event, ...change });
  return traceOutcome(logger, event, objectId, outcome);
}
