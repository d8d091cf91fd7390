import { OnEvent } from '@nestjs/event-emitter';
import type { OmiseEventKey, OmiseEventOf } from '../../webhooks';

/**
 * `@OnEvent(key)` for an Omise event key, with two differences that matter for webhooks:
 * - errors propagate (`suppressErrors: false`; the library's default logs and swallows them), so a
 *   handler that fails on the database fails the dispatch and the event can be retried;
 * - the method's parameter must be `OmiseEventOf<key>`, so a handler cannot listen to one key while
 *   typing the payload of another.
 */
export function OnOmiseEvent<K extends OmiseEventKey>(key: K) {
  return <R>(
    target: object,
    property: string | symbol,
    descriptor: TypedPropertyDescriptor<(event: OmiseEventOf<K>) => Promise<R>>,
  ): void => {
    OnEvent(key, { suppressErrors: false })(target, property, descriptor);
  };
}
