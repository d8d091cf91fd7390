import { OmiseEventError } from '../errors/omise-event.error';
import { StoreOverloaded } from '../errors/store.errors';
import { type OmiseEvent, readDelivery, type ReceivedDelivery } from '../events/omise-event';
import type { Database } from '../store/database';
import { isUnavailable } from '../store/deadline';
import type { IntakeStore } from '../store/intake-store';
import type { ReconcileCounts } from './reconcile.types';
import { asDelivered, type EventsPage, type EventsQuery, type ListedEvent, omiseTime } from '../wire/omise-events-api';
import { serializeOmiseEvent } from '../wire/serialize-omise-event';

/** The most events the API returns per page. */
export const RECONCILE_PAGE_SIZE = 100;
/** Refusals kept for the report: enough to see the pattern, bounded whatever the API lists. */
const MAX_REFUSALS_KEPT = 20;

/** One refused event: its id when it had one, and why, for the operator. */
export interface RefusedEvent {
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
  /** The events table, for the read of stored ids. */
  db: Database;
  /** Stores as intake does: duplicate-safe by the primary key, so a delivery racing the run stores once. */
  store: IntakeStore;
}

/** Which events one reconciliation looks at, and what it tells as it goes. */
export interface ReconcileRequest {
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
  readonly refusedEvents: RefusedEvent[] = [];
  /** Dry run: ids found missing on an earlier page, so an event listed twice counts once. */
  private readonly found = new Set<string>();

  constructor(
    private readonly target: ReconcileTarget,
    private readonly request: ReconcileRequest,
  ) {}

  async reconcile(): Promise<ReconcileCounts> {
    const { from, to, signal } = this.request;
    for (let offset = 0; ; ) {
      signal?.throwIfAborted();
      const page = await this.target.api.list({ from, to, offset, limit: RECONCILE_PAGE_SIZE, signal });
      await this.reconcilePage(page);
      offset += page.listed;
      this.request.onProgress?.(offset, Math.max(page.total, offset));
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
    if (this.request.dryRun) {
      for (const { event } of missing) this.found.add(event.id);
      this.missingFound(missing.map(({ event }) => event));
      return;
    }
    await this.storeMissing(missing);
  }

  /** The event as Omise delivers it, if intake would accept it. */
  private accepted(listed: ListedEvent): ReceivedDelivery | null {
    try {
      return readDelivery(Buffer.from(serializeOmiseEvent(asDelivered(listed))));
    } catch (error) {
      if (!(error instanceof OmiseEventError)) throw error;
      this.refuse(listed.id, [error.message, ...(error.details ?? [])].join(' '));
      return null;
    }
  }

  /** The ids among `ids` that the table has, in one query. */
  private async storedIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const p = this.target.db.params();
    const rows = await this.target.db.query<Array<{ event_id: string }>>(
      'finding stored events',
      `SELECT event_id FROM omise_webhook_events WHERE event_id IN (${p.list(ids)})`,
      p.values,
    );
    return new Set(rows.map((row) => row.event_id));
  }

  /**
   * Stores the page's missing events together (intake's group commit makes them one INSERT). One the
   * database refuses is counted and the rest go on; a database that is unavailable ends the run, after
   * the events that were stored are counted and handed on.
   */
  private async storeMissing(missing: ReceivedDelivery[]): Promise<void> {
    const outcomes = await Promise.allSettled(missing.map(({ event, bodyText }) => this.target.store.store(event, bodyText, { source: 'reconciliation' })));
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
    for (const event of events) this.request.onMissing?.(event);
  }

  private refuse(id: string | null, why: string): void {
    this.counts.refused++;
    if (this.refusedEvents.length < MAX_REFUSALS_KEPT) this.refusedEvents.push({ id, why });
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
