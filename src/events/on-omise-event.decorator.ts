import { OnEvent } from '@nestjs/event-emitter';
import type { OmiseEventKey, OmiseEventOf } from './omise-event-catalogue';

/**
 * `@OnEvent` for one or several Omise event keys, with the handler's parameter typed by the keys
 * (`OmiseEventOf<'charge.complete'>`; for several keys the union of their events, told apart by
 * `event.key`), so a handler cannot listen to one key while typing the payload of another, and one
 * method can take several keys without a forwarding method per key.
 *
 * The worker finds it like any `@OnEvent` method and calls it for each stored event of those keys;
 * a handler that throws or rejects fails and is retried. Errors also propagate when the host emits
 * the key itself (`suppressErrors: false`; the emitter's default logs and swallows them).
 */
export function OnOmiseEvent<K extends OmiseEventKey>(keys: K | readonly K[]) {
  // Generic in the return type: a descriptor's setter makes its type invariant, so `unknown` would not fit.
  return <R>(target: object, property: string | symbol, descriptor: TypedPropertyDescriptor<(event: OmiseEventOf<K>) => R>): void => {
    // One @OnEvent per key: an array given to @OnEvent is one namespaced event name, not several.
    for (const key of typeof keys === 'string' ? [keys] : keys) {
      OnEvent(key, { suppressErrors: false })(target, property, descriptor);
    }
  };
}
