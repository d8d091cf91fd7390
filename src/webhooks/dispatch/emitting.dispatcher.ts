import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { OmiseEvent } from '../envelope/omise-event';
import { EventDispatcher } from './event-dispatcher';

/** Emits the event under its key (`charge.complete`) with the whole envelope as payload. */
@Injectable()
export class EmittingDispatcher implements EventDispatcher {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(private readonly emitter: EventEmitter2) {}

  dispatch(event: OmiseEvent): void {
    // After the response: a slow listener must not hold the acknowledgement back.
    setImmediate(() => {
      this.emitter.emitAsync(event.key, event).catch((error: unknown) => {
        this.logger.error(`handler for ${event.key} ${event.id} failed: ${(error as Error).message}`);
      });
    });
  }
}
