import type { DataSource } from 'typeorm';
import { parseOmiseEvent, type OmiseEvent, type ReceivedDelivery } from '../events/omise-event';
import { IntakeError } from '../intake/intake-error';
import { isUnavailable, withDeadline } from '../store/deadline';
import { type IntakeStore, StoreOverloaded } from '../store/intake-store';
import { dialectOf, SqlParams } from '../store/sql-dialect';
import { asDelivered, type EventsPage, type EventsQuery, type ListedEvent, omiseTime } from '../wire/omise-events-api';
import { serializeOmiseEvent } from '../wire/serialize-omise-event';

/** The most events the API returns per page. */
export const RECONCILE_PAGE_SIZE = 100;
/** Refusals kept for the report: enough to see the pattern, bounded whatever the API lists. */
const MAX_REFUSALS_KEPT = 20;

/** What one reconciliation found. `listed` = `alreadyStored` + `missing` + `refused`. */
export interface ReconcileCounts {
  /** Events the API listed in the window. */
  listed: number;
  /** In the table already: delivered by Omise, stored by an earlier run, or delivered while this one ran. */
  alreadyStored: number;
  /** Not in the table: stored now (with `dryRun`, only found). */
  missing: number;
  /** Not events the module accepts (intake's envelope check), or rows the database refused. */
  refused: number;
}

/** One refused event: its id when it had one, and why, for the operator. */
export interface ReconcileRefusal {
  id: string | null;
  why: string;
}

/** Where a reconciliation reads events from: the Events API (the module's, or the CLI's with its messages). */
export interface EventsLister {
  list(query: EventsQuery): Promise<EventsPage>;
}

/** What a reconciliation works with; the module and the CLI each build one. */
export interface ReconcileTarget {
  api: EventsLister;
  dataSource: DataSource;
  /** Stores as intake does: duplicate-safe by the primary key, so a delivery racing the run stores once. */
  store: IntakeStore;
  /** Deadline of the read of stored ids (the store has its own). */
  databaseTimeoutMs: number;
}

export interface ReconcileRun {
  /** Events created at or after this time… */
  from: Date;
  /**
   * …and at or before this one. Fixed for the run, and with the oldest first: an event created while
   * the run pages lands after the last page instead of shifting the offsets of the pages not read yet.
   */
  to: Date;
  /** Find what is missing, store nothing. */
  dryRun?: boolean;
  /** Stops between pages (shutdown). */
  signal?: AbortSignal;
  /** After each page: events listed so far, of `total` in the window. */
  onProgress?(done: number, total: number): void;
  /** Each missing event: just stored (for dispatch), or with `dryRun` just found. */
  onMissing?(event: OmiseEvent): void;
}

/**
 * One comparison of the Omise Events API with the events table: pages through the window's events,
 * oldest first, and stores every event the table lacks, marked `source: 'reconciliation'`. An event
 * from the API is authentic (it came back for the secret key), so no signature is needed; it is
 * checked with intake's envelope check and stored as a delivery would be, as Omise posts it.
 *
 * Idempotent: one read per page skips the ids already stored, and the write itself is intake's,
 * settled by the primary key, so a delivery of the same event arriving meanwhile (on any instance)
 * leaves one row, and a run on every instance stores each event once. The counts so far stay readable
 * when a run fails half-way (what it stored is stored, and dispatched).
 */
export class Reconciliation {
  readonly counts: ReconcileCounts = { listed: 0, alreadyStored: 0, missing: 0, refused: 0 };
  /** The first refusals, for a report; `counts.refused` has them all. */
  readonly refusals: ReconcileRefusal[] = [];
  /** Dry run: ids found missing on an earlier page, so an event listed twice counts once. */
  private readonly found = new Set<string>();

  constructor(
    private readonly target: ReconcileTarget,
    private readonly run: ReconcileRun,
  ) {}

  async reconcile(): Promise<ReconcileCounts> {
    const { from, to, signal } = this.run;
    for (let offset = 0; ; ) {
      signal?.throwIfAborted();
      const page = await this.target.api.list({ from, to, offset, limit: RECONCILE_PAGE_SIZE, signal });
      await this.reconcilePage(page);
      offset += page.listed;
      this.run.onProgress?.(offset, Math.max(page.total, offset));
      if (page.listed === 0 || offset >= page.total) return this.counts;
    }
  }

  private async reconcilePage(page: EventsPage): Promise<void> {
    this.counts.listed += page.listed;
    for (let i = page.events.length; i < page.listed; i++) this.refuse(null, 'not an object with an id');
    const deliveries = new Map<string, ReceivedDelivery>();
    for (const listed of page.events) {
      const delivery = this.accepted(listed);
      if (!delivery) continue;
      // Listed twice on one page: the second is the first's duplicate.
      if (deliveries.has(delivery.event.id)) this.counts.alreadyStored++;
      else deliveries.set(delivery.event.id, delivery);
    }
    const stored = await this.storedIds([...deliveries.keys()]);
    const missing = [...deliveries.values()].filter(({ event }) => !stored.has(event.id) && !this.found.has(event.id));
    this.counts.alreadyStored += deliveries.size - missing.length;
    if (this.run.dryRun) {
      for (const { event } of missing) this.found.add(event.id);
      this.missingFound(missing.map(({ event }) => event));
      return;
    }
    await this.storeMissing(missing);
  }

  /** The event as Omise delivers it, if intake would accept it. */
  private accepted(listed: ListedEvent): ReceivedDelivery | null {
    try {
      return parseOmiseEvent(Buffer.from(serializeOmiseEvent(asDelivered(listed))));
    } catch (error) {
      if (!(error instanceof IntakeError)) throw error;
      this.refuse(listed.id, [error.message, ...(error.details ?? [])].join(' '));
      return null;
    }
  }

  /** The ids among `ids` that the table has, in one query. */
  private async storedIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { dataSource, databaseTimeoutMs } = this.target;
    const p = new SqlParams(dialectOf(dataSource));
    const rows = (await withDeadline(dataSource, databaseTimeoutMs, 'finding stored events', (runner) =>
      runner.query(`SELECT event_id FROM omise_webhook_events WHERE event_id IN (${p.list(ids)})`, p.values),
    )) as Array<{ event_id: string }>;
    return new Set(rows.map((row) => row.event_id));
  }

  /**
   * Stores the page's missing events together (intake's group commit makes them one INSERT). One the
   * database refuses is counted and the rest go on; a database that is unavailable ends the run, after
   * the events that were stored are counted and handed on.
   */
  private async storeMissing(missing: ReceivedDelivery[]): Promise<void> {
    const outcomes = await Promise.allSettled(missing.map(({ event, text }) => this.target.store.store(event, text, { source: 'reconciliation' })));
    let unavailable: Error | undefined;
    const stored: OmiseEvent[] = [];
    outcomes.forEach((outcome, index) => {
      const { event } = missing[index];
      if (outcome.status === 'rejected') {
        const error = outcome.reason as Error;
        if (isUnavailable(error) || error instanceof StoreOverloaded) unavailable ??= error;
        else this.refuse(event.id, `the database refused it: ${error.message}`);
      } else if (outcome.value === 'stored') {
        stored.push(event);
      } else {
        // Delivered between the read above and this write: the delivery's row stands.
        this.counts.alreadyStored++;
      }
    });
    this.missingFound(stored);
    if (unavailable !== undefined) throw unavailable;
  }

  private missingFound(events: OmiseEvent[]): void {
    this.counts.missing += events.length;
    for (const event of events) this.run.onMissing?.(event);
  }

  private refuse(id: string | null, why: string): void {
    this.counts.refused++;
    if (this.refusals.length < MAX_REFUSALS_KEPT) this.refusals.push({ id, why });
  }
}

/** `252 listed: 100 already stored, 150 missing (stored now), 2 refused`: how the CLI and the job report a run. */
export function describeCounts(counts: ReconcileCounts, dryRun = false): string {
  const missing = `${counts.missing} missing (${dryRun ? 'not stored: dry run' : 'stored now'})`;
  return `${counts.listed} listed: ${counts.alreadyStored} already stored, ${missing}, ${counts.refused} refused`;
}

/** The window as the API was asked it, in whole seconds. */
export function describeWindow({ from, to }: { from: Date; to: Date }): string {
  return `${omiseTime(from)} to ${omiseTime(to)}`;
}
