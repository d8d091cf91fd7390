import { OnEvent } from '@nestjs/event-emitter';
import type { OmiseEventContext, OnOmiseEventOptions } from './omise-event-context';
import type { OmiseEventKey, OmiseEventOf } from './omise-event-catalogue';

/**
 * `@OnEvent` for one or several Omise event keys, with the handler's parameter typed by the keys
 * (`OmiseEventOf<'charge.complete'>`; for several keys the union of their events, told apart by
 * `event.key`), so a handler cannot listen to one key while typing the payload of another, and one
 * method can take several keys without a forwarding method per key.
 *
 * The worker finds it like any `@OnEvent` method and calls it for each stored event of those keys,
 * with an {@link OmiseEventContext} (account, mode, attempt) after the event; `options` narrow it to
 * some accounts or one mode (`{ account: 'th', mode: 'live' }`). A handler that throws or rejects
 * fails and is retried. Errors also propagate when the host emits
 * the key itself (`suppressErrors: false`; the emitter's default logs and swallows them).
 */
export function OnOmiseEvent<K extends OmiseEventKey>(keys: K | readonly K[], options: OnOmiseEventOptions = {}) {
  // Generic in the method's own type: a descriptor's setter makes its type invariant, so a fixed
  // signature would refuse a handler that takes the event alone (or types its result).
  return <F extends (event: OmiseEventOf<K>, context: OmiseEventContext) => unknown>(
    target: object,
    property: string | symbol,
    descriptor: TypedPropertyDescriptor<F>,
  ): void => {
    // One @OnEvent per key: an array given to @OnEvent is one namespaced event name, not several.
    for (const key of typeof keys === 'string' ? [keys] : keys) {
      OnEvent(key, { suppressErrors: false })(target, property, descriptor);
    }
    if (options.account !== undefined || options.mode !== undefined) {
      const accounts = options.account === undefined ? undefined : typeof options.account === 'string' ? [options.account] : [...options.account];
      Reflect.defineMetadata(OMISE_LISTENER_SCOPE, { accounts, mode: options.mode } satisfies ListenerScope, descriptor.value as object);
    }
  };
}

/** The metadata `@OnOmiseEvent`'s options write on the method (read by the worker's metadata accessor). */
export const OMISE_LISTENER_SCOPE = 'omise-webhooks:listener-scope';

/** Which events a listener takes beyond its keys: undefined means any. */
export interface ListenerScope {
  accounts?: readonly string[];
  mode?: 'live' | 'test';
}
