// The errors a host may catch, in one place: from parseOmiseEvent, and from the module's database
// calls (WebhooksAdmin's reads and replays, ReconcileJob) when the database is slow or swamped.
export { OmiseEventError, type OmiseEventProblem } from './omise-event.error';
export { DatabaseTimeout, StoreOverloaded, StoreUnavailable } from './store.errors';
