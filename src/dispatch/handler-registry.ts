import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import type { OmiseEvent } from '../events/omise-event';
import { patternMatches } from './event-pattern';

/**
 * The metadata key `@OnEvent` writes, as the decorator itself names it (`OnEvent(...).KEY`); the
 * constant is exported by @nestjs/event-emitter 12 but not 3, and its value is the same in both.
 */
const EVENT_LISTENER_METADATA = (OnEvent('') as MethodDecorator & { KEY?: string }).KEY ?? 'EVENT_LISTENER_METADATA';

interface OnEventMetadata {
  event: string | symbol | Array<string | symbol>;
}

/** One `@OnEvent` method, named `Class.method`: the unit whose outcome is recorded and retried. */
export interface EventHandler {
  readonly name: string;
  readonly patterns: readonly string[];
  invoke(event: OmiseEvent): Promise<unknown>;
}

/**
 * Finds the host's `@OnEvent` methods and calls them directly rather than through
 * `EventEmitter2.emit`: the emitter's wrapper swallows a handler's error unless every handler sets
 * `suppressErrors: false`, and it cannot tell which of several listeners failed. Matching follows the
 * host emitter's own `wildcard` and `delimiter` settings.
 */
@Injectable()
export class HandlerRegistry implements OnApplicationBootstrap {
  private readonly logger = new Logger('OmiseWebhooks');
  private handlers: EventHandler[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly emitter: EventEmitter2,
  ) {}

  onApplicationBootstrap(): void {
    const delimiter = this.delimiter();
    const handlers: EventHandler[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || wrapper.isAlias) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        continue; // request-scoped listeners have no instance outside a request; not supported
      }
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = prototype[method];
        if (typeof fn !== 'function') continue;
        const metadata = Reflect.getMetadata(EVENT_LISTENER_METADATA, fn) as OnEventMetadata[] | undefined;
        if (!metadata) continue;
        // An array is one namespaced name to EventEmitter2 (['charge', 'complete'] is charge.complete).
        const patterns = metadata
          .map((m) => (Array.isArray(m.event) ? m.event.join(delimiter) : m.event))
          .filter((p): p is string => typeof p === 'string');
        const bound = fn as (event: OmiseEvent) => unknown;
        handlers.push({
          name: `${instance.constructor.name}.${method}`,
          patterns,
          // Promise.resolve().then: a handler that throws synchronously becomes a rejection too.
          invoke: (event) => Promise.resolve().then(() => bound.call(instance, event)),
        });
      }
    }
    this.handlers = handlers;
    this.logger.log(`${handlers.length} @OnEvent handler(s) found`);
  }

  /** Handlers listening to `key`, in a stable order. */
  handlersFor(key: string): EventHandler[] {
    const wildcard = Boolean((this.emitter as unknown as { wildcard?: boolean }).wildcard);
    const delimiter = this.delimiter();
    return this.handlers.filter((h) => h.patterns.some((p) => patternMatches(p, key, wildcard, delimiter)));
  }

  private delimiter(): string {
    return (this.emitter as unknown as { delimiter?: string }).delimiter ?? '.';
  }
}
