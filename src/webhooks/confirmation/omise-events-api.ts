import { Inject, Injectable, Logger } from '@nestjs/common';
import { WebhookError } from '../errors/webhook-error';
import { WebhooksConfig } from '../webhooks.options';

/**
 * Reads one event back from the Omise Events API (`GET /events/{id}`, HTTP basic auth with the
 * secret key as user name), for `verify: 'signature+fetch'`.
 */
@Injectable()
export class OmiseEventsApi {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(@Inject(WebhooksConfig) private readonly config: WebhooksConfig) {}

  /** The API's bytes for the event, or null when the API does not know it. */
  async fetchEvent(id: string): Promise<Buffer | null> {
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

  private unavailable(why: string): WebhookError {
    this.logger.error(`event confirmation failed: ${why}`);
    return new WebhookError('confirmation_unavailable', 'The event could not be confirmed with the Omise API; retry later.');
  }
}
