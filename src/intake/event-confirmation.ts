import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ReceivedDelivery } from '../events/omise-event';
import { WebhooksConfig } from '../webhooks.config';
import { IntakeRefusal, readDeliveryOrRefuse } from './intake-refusal';

/**
 * With `verify: 'signature+fetch'`, a signed delivery is accepted only as the Omise Events API tells
 * it: the event is read back (`GET /events/{id}`, HTTP basic auth with the secret key as user name)
 * and the API's copy is what gets stored, as Omise's own plugins do. With `verify: 'signature'` the
 * signed delivery is taken as it is.
 */
@Injectable()
export class EventConfirmation {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(@Inject(WebhooksConfig) private readonly config: WebhooksConfig) {}

  /** Whether deliveries are confirmed with the API at all (`verify: 'signature+fetch'`). */
  get enabled(): boolean {
    return this.config.verify === 'signature+fetch';
  }

  /** The API's copy of the delivery, to store instead (401 if the API does not know it, 503 if unreachable). */
  async confirm(delivered: ReceivedDelivery): Promise<ReceivedDelivery> {
    const raw = await this.fetchEvent(delivered.event.id);
    const confirmed = raw && readDeliveryOrRefuse(raw);
    if (!confirmed || confirmed.event.id !== delivered.event.id) {
      throw new IntakeRefusal('event_not_confirmed', 'The Omise API does not know this event; it was not accepted.');
    }
    return confirmed;
  }

  /** The API's bytes for the event, or null when the API does not know it. */
  private async fetchEvent(id: string): Promise<Buffer | null> {
    const { baseUrl, secretKey, timeoutMs } = this.config.omiseApi;
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/events/${encodeURIComponent(id)}`, {
        headers: { Authorization: `Basic ${Buffer.from(`${secretKey ?? ''}:`).toString('base64')}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw this.unavailable(`the Omise API could not be reached (${(error as Error).name})`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      // 401 means our secret key is wrong: a configuration error, answered 503 so Omise retries after the fix.
      throw this.unavailable(`the Omise API answered ${response.status}${response.status === 401 ? ' (check the secret key)' : ''}`);
    }
    return Buffer.from(await response.arrayBuffer());
  }

  private unavailable(why: string): IntakeRefusal {
    this.logger.error(`event confirmation failed: ${why}`);
    return new IntakeRefusal('confirmation_unavailable', 'The event could not be confirmed with the Omise API; retry later.');
  }
}
