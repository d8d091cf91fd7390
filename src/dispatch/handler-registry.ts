import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { OmiseEvent } from '../events/omise-event';
import { patternMatches } from './event-pattern';
import { ListenerMetadataAccessor } from './listener-metadata.accessor';

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
 * host emitter's own `wildcard` and `delimiter` settings, as an emit would: a catch-all listener of
 * the host (`@OnEvent('**')`) is called for every Omise event too.
 *
 * Listeners on request-scoped providers cannot be called (the worker runs outside any request): each
 * is named in a warning at boot.
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
    const metadata = new ListenerMetadataAccessor(this.delimiter());
    const handlers: EventHandler[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || wrapper.isAlias) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const patterns = metadata.patterns(prototype[method]);
        if (!patterns) continue;
        const name = `${instance.constructor.name}.${method}`;
        if (!wrapper.isDependencyTreeStatic()) {
          this.logger.warn(
            `${name} listens to ${patterns.join(', ')}, but its provider is request-scoped (or depends on one): ` +
              'the worker runs outside any request and cannot call it. Make the provider a singleton, or move the listener to one.',
          );
          continue;
        }
        const bound = prototype[method] as (event: OmiseEvent) => unknown;
        handlers.push({
          name,
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
