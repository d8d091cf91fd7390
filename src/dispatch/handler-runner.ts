import { Logger } from '@nestjs/common';
import { escaped } from '../common/log-text';
import { OmiseEventError } from '../errors/omise-event.error';
import { StoreUnavailable } from '../errors/store.errors';
import { type OmiseEvent, readStoredEvent } from '../events/omise-event';
import { isUnavailable } from '../store/deadline';
import type { Masker } from '../masking/masker';
import type { AttemptOutcome, DispatchStore } from '../store/dispatch-store';
import type { WebhooksTelemetry } from '../telemetry/telemetry';
import type { WebhooksConfig } from '../webhooks.config';
import type { Claim } from './event-claimer';
import type { EventHandler, HandlerRegistry } from './handler-registry';
import { retryDelayMs } from './retry-schedule';

/**
 * Running one claimed event's handlers: those that have not succeeded for it yet, one after the
 * other, each within the lease; then how this attempt ends: `processed`, `ignored` (nobody listens),
 * `failed` (retried later, with back-off) or `dead` (out of attempts).
 *
 * Between two handlers of one event the first one's run is written at once, so a crash never re-runs
 * a handler that succeeded; the last one's is written with the event's outcome, by the writer.
 */
export class HandlerRunner {
  private readonly logger = new Logger('OmiseWebhooks');

  constructor(
    private readonly config: WebhooksConfig['dispatch'],
    /** Handlers' errors carry what they were given: card numbers, keys. */
    private readonly mask: Masker,
    private readonly store: DispatchStore,
    private readonly handlers: HandlerRegistry,
    private readonly telemetry: WebhooksTelemetry,
  ) {}

  /**
   * The attempt's outcome to write, or undefined when the database failed mid-way (the lease runs
   * out and the event comes back, a bounded number of times: see the first check).
   */
  async run({ row, done }: Claim): Promise<AttemptOutcome | undefined> {
    // Every claim counts an attempt, and an attempt that ends writes `failed` or `dead` by the last
    // one: an event claimed more often than that stopped its worker each time (a crash in a
    // handler, a database failing mid-way). It is not claimed forever.
    if (row.attempts > this.config.retry.maxAttempts) {
      return this.finished(row, '', this.dead(row, `claimed ${row.attempts} times without an attempt finishing (its worker stopped each time)`));
    }
    let event: OmiseEvent;
    try {
      event = readStoredEvent(row.bodyText);
    } catch (error) {
      // Checked at intake as here: a row stored before a check was added, or changed by hand.
      const why = error instanceof OmiseEventError ? [error.message, ...error.details].join(' ') : (error as Error).message;
      return this.finished(row, '', this.dead(row, `the stored event cannot be dispatched: ${why}`));
    }
    const outcome = await this.telemetry.dispatching({ ...row, key: event.key }, () => this.handle(row, event, done));
    return outcome && this.finished(row, event.key, outcome);
  }

  private finished(row: Claim['row'], key: string, outcome: AttemptOutcome): AttemptOutcome {
    this.telemetry.finished(outcome, key, row.attempts);
    return outcome;
  }

  /** An event that no attempt can finish: `dead` at once, with why, for a person to look at. */
  private dead(row: Claim['row'], why: string): AttemptOutcome {
    this.logger.error(`${escaped(row.eventId)}: dead: ${this.mask.line(why)}`);
    return { eventId: row.eventId, status: 'dead', lastError: why.slice(0, 2000) };
  }

  private async handle(row: Claim['row'], event: OmiseEvent, done: ReadonlySet<string>): Promise<AttemptOutcome | undefined> {
    const { eventId, attempts } = row;
    try {
      const handlers = this.handlers.handlersFor(event.key);
      if (handlers.length === 0) return { eventId, status: 'ignored', lastError: null };
      const failures: string[] = [];
      let lastRun: AttemptOutcome['lastRun'];
      for (const handler of handlers.filter((candidate) => !done.has(candidate.name))) {
        if (lastRun) await this.store.recordRun(lastRun);
        const error = await this.telemetry.handling(handler.name, event, attempts, () => this.invoke(handler, event));
        if (error !== null) failures.push(`${handler.name}: ${error}`);
        lastRun = { eventId, handler: handler.name, error };
      }
      if (failures.length === 0) return { eventId, status: 'processed', lastError: null, lastRun };
      const policy = this.config.retry;
      const lastError = failures.join('; ').slice(0, 2000);
      const dead = attempts >= policy.maxAttempts;
      const line = `${escaped(event.key)} ${escaped(event.id)}: attempt ${attempts} failed (${dead ? 'dead: replay it once the cause is fixed' : 'will retry'}): ${this.mask.line(lastError)}`;
      // A dead event needs a person; ERROR is what alerting watches.
      if (dead) this.logger.error(line);
      else this.logger.warn(line);
      return {
        eventId,
        status: dead ? 'dead' : 'failed',
        nextAttemptAt: dead ? undefined : new Date(Date.now() + retryDelayMs(attempts, policy)),
        lastError,
        lastRun,
      };
    } catch (error) {
      // Only the database can fail here (the handlers' own errors are their runs' outcomes). Unavailable:
      // the lease runs out and the event is claimed again. Anything else would fail the same way at
      // every claim, so the event ends now.
      if (!isUnavailable(error)) return this.dead(row, `dispatch failed: ${(error as Error).message}`);
      if (!(error instanceof StoreUnavailable)) this.logger.error(`processing ${escaped(eventId)} stopped: ${this.mask.line((error as Error).message)}`);
      return undefined;
    }
  }

  /**
   * Calls one handler; its error message, or null. A handler still running when the lease runs out
   * (stuck on a database that stopped answering, say) is given up: another worker may claim the event
   * by then, and this one's slot is needed.
   */
  private async invoke(handler: EventHandler, event: OmiseEvent): Promise<string | null> {
    const { leaseMs } = this.config;
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`did not finish within the lease (dispatch.leaseMs ${leaseMs} ms)`), leaseMs);
    });
    try {
      return await Promise.race([
        handler.invoke(event).then(
          () => null,
          (thrown: unknown) => (thrown instanceof Error ? thrown.message : String(thrown)),
        ),
        overrun,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

