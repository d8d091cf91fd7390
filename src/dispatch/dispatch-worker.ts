import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DispatchStore } from '../store/dispatch-store';
import { IntakeStore } from '../store/intake-store';
import { WebhooksTelemetry } from '../telemetry/telemetry';
import { WebhooksConfig } from '../webhooks.config';
import { EventClaimer } from './event-claimer';
import { HandlerRegistry } from './handler-registry';
import { HandlerRunner } from './handler-runner';
import { OutcomeWriter } from './outcome-writer';

/**
 * Delivers stored events to their `@OnEvent` handlers, durably, in three parts with one job each:
 * the {@link EventClaimer} takes due events under a lease and fills the slots, the
 * {@link HandlerRunner} runs an event's handlers and decides how the attempt ends, the
 * {@link OutcomeWriter} writes the outcomes in batches. This class starts and stops them.
 *
 * Intake wakes it after each commit, so a fresh event starts at once; a periodic sweep picks up the
 * rest: retries that came due, expired leases of crashed workers, rows stored by an instance that
 * died before dispatching. Every database call has the module's deadline, and a handler that does not
 * finish within the lease is given up (the event is retried), so a database that stopped answering
 * never stops the worker for good.
 */
@Injectable()
export class DispatchWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OmiseWebhooks');
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly outcomes: OutcomeWriter;
  private readonly claimer: EventClaimer;
  private readonly runner: HandlerRunner;
  private running = false;

  constructor(
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly store: DispatchStore,
    handlers: HandlerRegistry,
    telemetry: WebhooksTelemetry,
    private readonly adapterHost: HttpAdapterHost,
    private readonly intake: IntakeStore,
  ) {
    this.outcomes = new OutcomeWriter(this.workerId, config.mask, store, telemetry);
    this.runner = new HandlerRunner(config.dispatch, config.mask, store, handlers, telemetry);
    this.claimer = new EventClaimer(this.workerId, config.dispatch, config.mask, store, telemetry, {
      handle: async (claim) => {
        const outcome = await this.runner.run(claim);
        if (outcome) this.outcomes.add(outcome);
      },
      outcomesWriting: () => this.outcomes.busy,
    });
    this.outcomes.onWritten(() => this.claimer.outcomesWritten());
  }

  /** Whether this instance dispatches (`dispatch.enabled`) and has not been shut down. */
  get enabled(): boolean {
    return this.running;
  }

  onApplicationBootstrap(): void {
    if (!this.config.dispatch.enabled) return;
    this.running = true;
    this.intake.onNewEvents(() => this.claimer.wake('new'));
    // Next to an HTTP server the sweep must not hold the process open (the server does, and a host
    // that never closes the app could not exit). A process without one (an application context run
    // as a dispatch worker) has nothing else that lives: there the sweep keeps it running until the
    // shutdown clears the timer, instead of the process exiting right after boot.
    // (An application context's adapter host holds null.)
    const hasHttpServer = Boolean(this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | null);
    this.claimer.start(!hasHttpServer);
  }

  /** Looks for due events now: after a replay re-queued some, say. */
  wake(): void {
    this.claimer.wake('due');
  }

  /** How long ago the sweep last ran; undefined when the worker is not running (for liveness). */
  msSinceLastSweep(): number | undefined {
    return this.claimer.msSinceLastSweep();
  }

  /** Resolves when nothing is running, waiting or unwritten in this instance (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.claimer.busy || this.outcomes.busy) {
      // progress() settles on the next turn at the latest, so this loop never spins without yielding.
      await Promise.race([this.claimer.progress(), ...(this.outcomes.busy ? [this.outcomes.drained()] : [])]);
    }
  }

  /** Stop claiming, let running handlers finish within the timeout, write their outcomes, release what is left. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.claimer.stop();
    this.outcomes.hurry();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.config.dispatch.shutdownTimeoutMs).unref());
    await Promise.race([this.idle(), timeout]);
    try {
      const released = await this.store.release(this.workerId);
      if (released > 0) this.logger.warn(`shutdown: released ${released} unfinished event(s) for another instance`);
    } catch (error) {
      this.logger.error(`shutdown: releasing leases failed (${this.config.mask.line((error as Error).message)}); they run out after dispatch.leaseMs`);
    }
  }
}
