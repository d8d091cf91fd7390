import { Injectable, Logger } from '@nestjs/common';
import { RateLimitedLog } from '../common/rate-limited-log';
import type { ReceivedDelivery } from '../events/omise-event';
import { modeOf } from '../events/omise-mode';
import { type IntakeOutcome, IntakeStore, type StoreOptions } from '../store/intake-store';
import { type IntakeTrace, WebhooksTelemetry } from '../telemetry/telemetry';
import { modeMismatch, type ResolvedAccount } from '../webhooks.config';
import { storeRefusal } from './intake-refusal';
import type { WebhookAck } from './intake.types';
import { LOG_INTERVAL_MS } from './refusal-responder';

/**
 * The last step of intake, wherever the route is served (Nest's idempotency interceptor, or the
 * direct route): stores the delivery keyed by its event id and account, and says what to answer
 * once the row is committed. The first delivery of an event is `stored` (and the store wakes the
 * worker); every later one is a duplicate and changes nothing. A database that cannot store it gets
 * 503, so Omise delivers it again later.
 *
 * An event of the other mode than its account's endpoint (a test-mode event at a live endpoint) is
 * stored `ignored` with the reason and acknowledged, so Omise stops retrying; it is never dispatched.
 */
@Injectable()
export class Acknowledger {
  private readonly logger = new Logger('OmiseWebhooks');
  private readonly lines = new RateLimitedLog(LOG_INTERVAL_MS);

  constructor(
    private readonly store: IntakeStore,
    private readonly telemetry: WebhooksTelemetry,
  ) {}

  async acknowledge({ event, bodyText }: ReceivedDelivery, account: ResolvedAccount, trace: IntakeTrace | undefined): Promise<WebhookAck> {
    this.telemetry.intakeEvent(trace, event, account.name);
    const ignoredBecause = modeMismatch(account.mode, modeOf(event), account.name) ?? undefined;
    const options = { account: account.name, traceParent: this.telemetry.traceParentOf(trace), ignoredBecause };
    const outcome = await this.telemetry.step(trace, 'store', () => this.stored(event, bodyText, options));
    if (ignoredBecause === undefined) {
      this.telemetry.intakeAnswered(trace, outcome, account.name);
      return { received: true, id: event.id, duplicate: outcome === 'duplicate' };
    }
    this.telemetry.intakeAnswered(trace, 'ignored', account.name);
    this.lines.line(`mode ${account.name}`, (more) => this.logger.warn(`${ignoredBecause}${more}`));
    return { received: true, id: event.id, duplicate: outcome === 'duplicate', ignored: ignoredBecause };
  }

  private async stored(event: ReceivedDelivery['event'], bodyText: string, options: StoreOptions): Promise<IntakeOutcome> {
    try {
      return await this.store.store(event, bodyText, options);
    } catch (error) {
      throw storeRefusal(error);
    }
  }
}
