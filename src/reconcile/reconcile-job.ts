import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { escaped } from '../common/log-text';
import type { Masker } from '../masking/masker';
import { Database } from '../store/database';
import { IntakeStore } from '../store/intake-store';
import { WebhooksConfig } from '../webhooks.config';
import { OmiseEventsApi } from '../wire/omise-events-api';
import type { ReconcileCounts } from './reconcile.types';
import { describeCounts, describeWindow, Reconciliation } from './reconciliation';
import { WebhooksTelemetry } from '../telemetry/telemetry';

/**
 * The module's scheduled reconciliation (option `reconcile`, off by default): in an instance that
 * dispatches, at boot and then every `reconcile.every`, looks back `reconcile.lookback` in the Omise
 * Events API and stores and dispatches what the table lacks. One run at a time per instance; runs on
 * several instances at once are safe (each event is stored once, see {@link Reconciliation}), they
 * only ask the API the same questions. One log line per run with the counts, never the key.
 */
@Injectable()
export class ReconcileJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OmiseWebhooks');
  private timer?: NodeJS.Timeout;
  private current?: Promise<ReconcileCounts>;
  private readonly stopping = new AbortController();

  constructor(
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly db: Database,
    private readonly store: IntakeStore,
    private readonly telemetry: WebhooksTelemetry,
  ) {}

  onApplicationBootstrap(): void {
    const settings = this.config.reconcile;
    if (!settings || !this.config.dispatch.enabled) return;
    this.timer = setInterval(() => this.scheduled(), settings.everyMs);
    this.timer.unref();
    // At boot too: an app restarted more often than `every` (deploys) would otherwise never run it.
    this.scheduled();
  }

  /**
   * Reconciles now, or joins the run under way; resolves to its counts, rejects with why it stopped.
   * Works in any instance once `reconcile` is configured, dispatching or not.
   */
  reconcileNow(): Promise<ReconcileCounts> {
    if (!this.config.reconcile) return Promise.reject(new Error('WebhooksModule: reconcile is not configured (option `reconcile`).'));
    if (this.stopping.signal.aborted) return Promise.reject(new Error('WebhooksModule: shutting down; reconciliation not started.'));
    this.current ??= this.reconcileOnce(this.config.reconcile).finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  /** @deprecated Renamed {@link reconcileNow}. */
  run(): Promise<ReconcileCounts> {
    return this.reconcileNow();
  }

  /** Stops between pages; what the run stored is stored, and the sweep dispatches it if this instance cannot. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.current?.catch(() => undefined);
  }

  private scheduled(): void {
    // A run still under way (a long window, a slow API) is the one that counts: never two at once.
    if (this.current) return;
    // Logged by reconcileOnce; the next tick tries again.
    this.reconcileNow().catch(() => undefined);
  }

  private async reconcileOnce(settings: NonNullable<WebhooksConfig['reconcile']>): Promise<ReconcileCounts> {
    const started = Date.now();
    // Up to the last whole second: the API's times have seconds only, and an event created later in
    // the current second would sort among those already paged.
    const window = { from: new Date(started - settings.lookbackMs), to: new Date(started - 1000) };
    const reconciliation = new Reconciliation(
      {
        api: new OmiseEventsApi(this.config.omiseApi.baseUrl, settings.secretKey, settings.timeoutMs),
        db: this.db,
        store: this.store,
      },
      // What it stores wakes this instance's worker, as a delivery's commit does.
      { ...window, signal: this.stopping.signal },
    );
    const what = () =>
      `reconcile: events created ${describeWindow(window)}: ${describeCounts(reconciliation.counts)}${refusedSummary(reconciliation, this.config.mask)}; ${Date.now() - started} ms`;
    try {
      const counts = await reconciliation.reconcile();
      this.telemetry.reconciled(counts);
      // Missing events are webhooks that never arrived: someone should know.
      if (counts.missing > 0 || counts.refused > 0) this.logger.warn(what());
      else this.logger.log(what());
      return counts;
    } catch (error) {
      if (this.stopping.signal.aborted) this.logger.log(`${what()}; stopped by shutdown`);
      else this.logger.error(`${what()}; stopped: ${this.config.mask.line((error as Error).message)}`);
      throw error;
    }
  }
}

/** The first refused ids and why, escaped (they come from the API). */
function refusedSummary({ refusedEvents: first, counts }: Reconciliation, mask: Masker): string {
  if (counts.refused === 0) return '';
  const listed = first.slice(0, 3).map(({ id, why }) => `${id === null ? 'an item' : escaped(id)}: ${mask.line(why)}`);
  return ` (${listed.join('; ')}${counts.refused > listed.length ? '; …' : ''})`;
}
