import { OnEvent } from '@nestjs/event-emitter';

/**
 * The metadata key `@OnEvent` writes, as the decorator itself names it (`OnEvent(...).KEY`); the
 * constant is exported by @nestjs/event-emitter 12 but not 3, and its value is the same in both.
 */
const EVENT_LISTENER_METADATA = (OnEvent('') as MethodDecorator & { KEY?: string }).KEY ?? 'EVENT_LISTENER_METADATA';

interface OnEventMetadata {
  event: string | symbol | Array<string | symbol>;
}

/**
 * Reads what `@OnEvent` / `@OnOmiseEvent` recorded on a method, in one place, so nothing else
 * reaches into @nestjs/event-emitter's metadata.
 */
export class ListenerMetadataAccessor {
  constructor(private readonly delimiter: string) {}

  /** The event names or patterns a method listens to; undefined when it is not a listener. */
  patterns(method: unknown): string[] | undefined {
    if (typeof method !== 'function') return undefined;
    const metadata = Reflect.getMetadata(EVENT_LISTENER_METADATA, method) as OnEventMetadata[] | undefined;
    if (!metadata) return undefined;
    // An array is one namespaced name to EventEmitter2 (['charge', 'complete'] is charge.complete);
    // symbols are never Omise keys.
    return metadata
      .map((m) => (Array.isArray(m.event) ? m.event.join(this.delimiter) : m.event))
      .filter((pattern): pattern is string => typeof pattern === 'string');
  }
}
