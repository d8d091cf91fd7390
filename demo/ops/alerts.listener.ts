import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { OMISE_WEBHOOK_EVENT_DEAD, type OmiseWebhookEventDead } from 'omise-nest-webhooks';

/**
 * Where a host pages someone: one listener for the module's `omise-webhooks.event.dead`
 * (`lifecycleEvents: true`). The demo has no pager, so it logs what it would send.
 */
@Injectable()
export class AlertsListener {
  private readonly logger = new Logger('Alerts');

  @OnEvent(OMISE_WEBHOOK_EVENT_DEAD)
  page(dead: OmiseWebhookEventDead): void {
    this.logger.error(`would page the on-call: ${dead.key} ${dead.eventId} is dead after ${dead.attempts} attempt(s): ${dead.error}`);
  }
}
