import { Inject, Injectable } from '@nestjs/common';
import { DispatchWorker } from '../dispatch/dispatch-worker';
import { Database } from '../store/database';
import { EventStats } from '../store/event-stats';
import type { ReadinessOptions, WebhooksHealthResult } from './health.types';
import { WebhooksConfig } from '../webhooks.config';

/**
 * Health of the module for the host's `/health` (`@nestjs/terminus`'s HealthCheckService takes these
 * results as they are, `down` fails the check):
 *
 *     @Get('health') @HealthCheck()
 *     check() { return this.health.check([() => this.webhooks.isAlive('omise-webhooks-worker'), () => this.webhooks.isReady('omise-webhooks')]); }
 *
 * Liveness says whether this instance's worker loop still turns (restart it if not); readiness
 * whether the module can do its work: the database answers, nothing due waits too long, no lease is
 * stuck past its expiry.
 */
@Injectable()
export class WebhooksHealthIndicator {
  constructor(
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly worker: DispatchWorker,
    private readonly stats: EventStats,
    private readonly db: Database,
  ) {}

  /** Up while the worker's sweep keeps running (an instance with `dispatch.enabled: false` is always up). */
  isAlive<const K extends string>(key: K): WebhooksHealthResult<K> {
    if (!this.config.dispatch.enabled) return result(key, 'up', { dispatch: 'disabled' });
    const sinceMs = this.worker.msSinceLastSweep();
    // Three intervals: one sweep may run late behind a busy event loop; three in a row do not.
    const alive = sinceMs !== undefined && sinceMs < 3 * this.config.dispatch.sweepIntervalMs;
    return result(key, alive ? 'up' : 'down', { lastSweepMsAgo: sinceMs ?? null });
  }

  /**
   * Up when the database answers, the oldest due event is younger than `maxDueAgeMs`, and no lease is
   * stuck. `breaker` says whether the module is refusing calls at once (`open`) while the database
   * does not answer.
   */
  async isReady<const K extends string>(key: K, options: ReadinessOptions = {}): Promise<WebhooksHealthResult<K>> {
    const maxDueAgeMs = options.maxDueAgeMs ?? 300_000;
    let stats;
    try {
      // A lease past its expiry for two sweeps: no worker is taking the event back.
      stats = await this.stats.read(2 * this.config.dispatch.sweepIntervalMs);
    } catch (error) {
      return result(key, 'down', { database: 'down', breaker: this.db.breaker.state, message: this.config.mask.text((error as Error).message) });
    }
    const details = { database: 'up', breaker: this.db.breaker.state, oldestDueAgeMs: stats.oldestDueAgeMs, expiredLeases: stats.expiredLeases, ...stats.byStatus };
    const ready = stats.oldestDueAgeMs <= maxDueAgeMs && stats.expiredLeases === 0;
    return result(key, ready ? 'up' : 'down', details);
  }
}

function result<K extends string>(key: K, status: 'up' | 'down', details: Record<string, unknown>): WebhooksHealthResult<K> {
  return { [key]: { status, ...details } } as WebhooksHealthResult<K>;
}
