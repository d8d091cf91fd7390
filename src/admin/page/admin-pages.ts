import { createHash } from 'node:crypto';
import type { EventFilter, EventReplay, HandlerRunSummary, StoredEventSummary } from '../../store/stored-event.types';
import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from '../../store/webhook-event.entity';
import type { StoredEventDetail } from '../admin.types';
import { html, Html, type HtmlValue } from './html';

/*
 * The admin page, rendered on the server: plain HTML forms and links, one inline stylesheet, no
 * script at all (the Content-Security-Policy forbids any), nothing loaded from anywhere else.
 */

const CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;background:#f6f7f9}
header{background:#1a2b4c;color:#fff;padding:.6rem 1.2rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a{color:#fff;text-decoration:none}header nav a{margin-right:1rem}header .brand{font-weight:700}
.counts{display:flex;gap:.4rem;list-style:none;margin:0 0 0 auto;padding:0;flex-wrap:wrap}
.counts a{display:block;padding:.15rem .55rem;border-radius:1rem;background:#2c4270}.counts b{margin-left:.3rem}
main{padding:1rem 1.2rem;max-width:1400px}h1{font-size:1.35rem;margin:.2rem 0 1rem}h2{font-size:1.05rem;margin:1.6rem 0 .5rem}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;background:#fff;padding:.7rem;border:1px solid #dde1e8;border-radius:6px}
label{display:flex;flex-direction:column;font-size:.8rem;color:#4a5366}input,select{font:inherit;padding:.3rem .4rem;border:1px solid #b9c0cc;border-radius:4px}
button,.button{font:inherit;display:inline-block;padding:.35rem .9rem;border-radius:4px;border:1px solid #1a56db;background:#1a56db;color:#fff;text-decoration:none;cursor:pointer}
.button.secondary,button.secondary{background:#fff;color:#1a56db}.button.danger,button.danger{background:#b42318;border-color:#b42318}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e8;margin-top:.8rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eceef2;vertical-align:top}th{background:#f0f2f5;font-size:.8rem;color:#4a5366}
td.error{color:#8a1c12;max-width:28rem;overflow-wrap:anywhere}code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#fff;border:1px solid #dde1e8;padding:.7rem;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}pre.error{color:#8a1c12}
.status{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.8rem;background:#e4e7ec}
.status-processed,.status-succeeded{background:#d1fadf;color:#05603a}.status-dead{background:#fee4e2;color:#912018}.status-failed{background:#fef0c7;color:#93370d}
.status-pending,.status-processing{background:#dbeafe;color:#1e429f}.status-ignored{background:#eceef2;color:#4a5366}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;background:#fff;border:1px solid #dde1e8;padding:.7rem;margin:0}
dt{color:#4a5366}dd{margin:0}.notice{background:#eff8ff;border:1px solid #b2ddff;padding:.6rem .8rem;border-radius:6px}
.actions{display:flex;gap:.6rem;align-items:center;flex-wrap:wrap;margin:1rem 0}.note{color:#4a5366;font-size:.85rem}
nav.pages{margin-top:.8rem;display:flex;gap:1rem}.empty{color:#4a5366;background:#fff;padding:1rem;border:1px solid #dde1e8}
`.trim();

/** The stylesheet is ours, not data: inserted as it is. */
const STYLE = new Html(CSS);
/** The stylesheet's hash, so the policy allows exactly this inline style and nothing else. */
const STYLE_HASH = `sha256-${createHash('sha256').update(CSS).digest('base64')}`;

/** Headers of every admin page: no scripts, no framing (the replay buttons), no caching, no leaks. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': `default-src 'none'; style-src '${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export interface PageFrame {
  /** The admin's path as the browser sees it (with the host's global prefix): `/admin/webhooks`. */
  base: string;
  /** Stored events per status, for the bar at the top; none on error pages. */
  counts?: Record<WebhookEventStatus, number>;
  /** Reload every few seconds: an event the worker is about to finish. */
  refresh?: boolean;
}

export function layout(frame: PageFrame, title: string, content: Html): string {
  const { base, counts } = frame;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${frame.refresh && html`<meta http-equiv="refresh" content="2">`}
<title>${title} · Omise webhooks</title><style>${STYLE}</style></head>
<body><header><nav><a class="brand" href="${base}">Omise webhooks</a><a href="${base}">Events</a><a href="${base}/dead-letters">Dead letters</a></nav>
${counts && html`<ul class="counts" aria-label="Stored events by status">${WEBHOOK_EVENT_STATUSES.map(
    (status) => html`<li><a href="${listUrl(base, { status })}" data-status="${status}">${status}<b>${counts[status].toLocaleString('en-US')}</b></a></li>`,
  )}</ul>`}
</header><main>${content}</main></body></html>`.text;
}

export function listUrl(base: string, filter: EventFilter, extra: Record<string, string> = {}, path = ''): string {
  const params = new URLSearchParams();
  if (filter.q) params.set('q', filter.q);
  // The page filters by one status at a time (the API's filter may hold several).
  for (const status of [filter.status ?? []].flat()) params.append('status', status);
  if (filter.key) params.set('key', filter.key);
  if (filter.since) params.set('since', filter.since.toISOString());
  if (filter.until) params.set('until', filter.until.toISOString());
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const query = params.toString();
  return `${base}${path}${query ? `?${query}` : ''}`;
}

export const eventUrl = (base: string, eventId: string): string => `${base}/event/${encodeURIComponent(eventId)}`;

const iso = (date: Date | null | undefined): string => (date ? date.toISOString().replace('.000Z', 'Z') : '');
/** A datetime-local field's value: UTC without a zone, as the field's label says. */
const localInput = (date: Date | undefined): string => (date ? date.toISOString().slice(0, 19) : '');
const shorten = (text: string | null, max = 140): string => (text && text.length > max ? `${text.slice(0, max - 1)}…` : (text ?? ''));

function statusBadge(status: string): Html {
  return html`<span class="status status-${status}">${status}</span>`;
}

function eventsTable(base: string, events: readonly StoredEventSummary[]): Html {
  if (events.length === 0) return html`<p class="empty">No stored events match.</p>`;
  const due = (event: StoredEventSummary) => (event.status === 'pending' || event.status === 'failed' ? iso(event.nextAttemptAt) : '');
  return html`<table class="events"><thead><tr><th>Received (UTC)</th><th>Event</th><th>Key</th><th>Object</th><th>Status</th><th>Attempts</th><th>Next attempt</th><th>Last error</th></tr></thead><tbody>
${events.map(
  (event) => html`<tr data-event-id="${event.eventId}"><td><time>${iso(event.receivedAt)}</time></td>
<td><a href="${eventUrl(base, event.eventId)}"><code>${event.eventId}</code></a></td><td>${event.key}</td>
<td>${event.objectId && html`<a href="${listUrl(base, { q: event.objectId })}" title="Every event of this object"><code>${event.objectId}</code></a>`}</td>
<td>${statusBadge(event.status)}</td><td>${event.attempts}</td><td>${due(event)}</td><td class="error">${shorten(event.lastError)}</td></tr>`,
)}
</tbody></table>`;
}

function filterForm(base: string, path: string, filter: EventFilter, withStatus: boolean): Html {
  return html`<form class="filters" method="get" action="${base}${path}" role="search">
<label>Event id or object id<input name="q" value="${filter.q}" placeholder="evnt_… or chrg_…" size="30"></label>
${withStatus && html`<label>Status<select name="status"><option value="">any</option>${WEBHOOK_EVENT_STATUSES.map(
    (status) => html`<option value="${status}"${[filter.status].flat().includes(status) && html` selected`}>${status}</option>`,
  )}</select></label>`}
<label>Key<input name="key" value="${filter.key}" placeholder="charge.*" size="22"></label>
<label>Received from (UTC)<input type="datetime-local" step="1" name="since" value="${localInput(filter.since)}"></label>
<label>until (UTC)<input type="datetime-local" step="1" name="until" value="${localInput(filter.until)}"></label>
<button type="submit">Filter</button><a class="button secondary" href="${base}${path}">Clear</a></form>`;
}

function pager(base: string, path: string, filter: EventFilter, next: string | null, deep: boolean): Html {
  if (!next && !deep) return html``;
  return html`<nav class="pages">${deep && html`<a href="${listUrl(base, filter, {}, path)}">« Newest</a>`}${
    next && html`<a rel="next" href="${listUrl(base, filter, { before: next }, path)}">Older »</a>`
  }</nav>`;
}

export interface ListView {
  filter: EventFilter;
  events: readonly StoredEventSummary[];
  /** The cursor of the next page, encoded for the URL. */
  next: string | null;
  /** Whether this is a later page (offer the way back to the newest). */
  deep: boolean;
}

export function listPage(frame: PageFrame, view: ListView): string {
  const { base } = frame;
  const searching = view.filter.q && html`<p class="note">Events whose event id or object id (<code>data.id</code>) is <code>${view.filter.q}</code>.</p>`;
  return layout(
    frame,
    'Events',
    html`<h1>Stored events</h1>${filterForm(base, '', view.filter, true)}${searching}${eventsTable(base, view.events)}${pager(base, '', view.filter, view.next, view.deep)}`,
  );
}

export interface DeadLettersView extends ListView {
  /** How many dead events a replay of this filter would re-queue. */
  replayable: number;
  /** How many the replay just submitted re-queued. */
  replayed?: number;
}

export function deadLettersPage(frame: PageFrame, view: DeadLettersView): string {
  const { base } = frame;
  const notice = view.replayed !== undefined && html`<p class="notice" role="status">Re-queued ${plural(view.replayed, 'dead event')}: the worker runs them now.</p>`;
  const action =
    view.replayable > 0
      ? html`<div class="actions"><a class="button" href="${listUrl(base, view.filter, {}, '/dead-letters/replay')}">Replay ${plural(view.replayable, 'dead event')}…</a>
<span class="note">You confirm on the next page. Handlers that succeeded before are not run again.</span></div>`
      : html`<p class="note">No dead events match: nothing to replay.</p>`;
  return layout(
    frame,
    'Dead letters',
    html`<h1>Dead letters</h1><p class="note">Events whose handlers failed on every attempt. Fix the cause, then replay them.</p>${notice}
${filterForm(base, '/dead-letters', view.filter, false)}${action}${eventsTable(base, view.events)}${pager(base, '/dead-letters', view.filter, view.next, view.deep)}`,
  );
}

export function confirmDeadLettersPage(frame: PageFrame, filter: EventFilter, count: number): string {
  const { base } = frame;
  const fields = Object.entries({ key: filter.key, since: filter.since?.toISOString(), until: filter.until?.toISOString(), q: filter.q }).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  const body =
    count === 0
      ? html`<p>No dead events match any more: nothing to replay.</p><p><a href="${listUrl(base, filter, {}, '/dead-letters')}">Back to the dead letters</a></p>`
      : html`<p>This re-queues <b id="replay-count">${plural(count, 'dead event')}</b>${fields.length > 0 && html` matching ${fields.map(([name, value]) => html` <code>${name}=${value}</code>`)}`}.
Their handlers that have not succeeded run again; their attempts start again from zero, and what they went through so far stays in each event's replay history.</p>
<form method="post" action="${base}/dead-letters/replay" class="actions">${fields.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<button type="submit">Replay ${plural(count, 'event')}</button><a class="button secondary" href="${listUrl(base, filter, {}, '/dead-letters')}">Cancel</a></form>`;
  return layout(frame, 'Replay dead letters', html`<h1>Replay dead letters?</h1>${body}`);
}

function runsTable(runs: readonly HandlerRunSummary[], id?: string): Html {
  if (runs.length === 0) return html`<p class="note">No handler has run for it.</p>`;
  return html`<table class="runs"${id && html` id="${id}"`}><thead><tr><th>Handler</th><th>Status</th><th>Attempts</th><th>Last error</th><th>Updated (UTC)</th></tr></thead><tbody>
${runs.map(
  (run) => html`<tr data-handler="${run.handler}"><td><code>${run.handler}</code></td><td>${statusBadge(run.status)}</td><td>${run.attempts}</td>
<td class="error">${run.lastError}</td><td>${iso(run.updatedAt)}</td></tr>`,
)}</tbody></table>`;
}

function replayHistory(replays: readonly EventReplay[]): Html {
  if (replays.length === 0) return html`<p class="note">Never replayed.</p>`;
  return html`${replays.map(
    (replay) => html`<section class="replay" data-replay-id="${replay.replayId}"><h3>${iso(replay.replayedAt)} by <span class="actor">${replay.actor}</span>${
      replay.forced && ' (forced)'
    }</h3>
<p class="note">Replay of <code>${replay.filter}</code>. Before it the event was ${statusBadge(replay.before.status)} after ${plural(replay.before.attempts, 'attempt')}${
      replay.before.processedAt && html`, processed at ${iso(replay.before.processedAt)}`
    }.</p>${replay.before.lastError && html`<pre class="error">${replay.before.lastError}</pre>`}${replay.handlerRuns.length > 0 && runsTable(replay.handlerRuns)}</section>`,
  )}`;
}

export function eventPage(frame: PageFrame, event: StoredEventDetail, replayed?: number): string {
  const { base } = frame;
  const url = eventUrl(base, event.eventId);
  const fact = (name: string, value: HtmlValue) => html`<dt>${name}</dt><dd>${value}</dd>`;
  const waiting = event.status === 'pending' || event.status === 'processing';
  const notice =
    replayed !== undefined &&
    (replayed > 0
      ? html`<p class="notice" role="status">Re-queued. ${waiting ? 'The worker runs it now; this page reloads until it is done.' : ''}</p>`
      : html`<p class="notice" role="status">Nothing was re-queued: the event changed meanwhile (it is ${event.status} now).</p>`);
  let actions: Html;
  if (event.status === 'processing') actions = html`<p class="note">Being processed right now; replay it once that ends.</p>`;
  else {
    const unforced =
      event.status === 'processed' || event.status === 'ignored'
        ? html``
        : html`<a class="button" href="${url}/replay">Replay…</a>`;
    actions = html`<div class="actions">${unforced}<a class="button danger" href="${url}/replay?force=1">Force replay…</a>
<span class="note">Replay runs the handlers that have not succeeded; force runs every handler again. You confirm on the next page.</span></div>`;
  }
  const content = html`${notice}<h1>Event <code>${event.eventId}</code></h1>
<dl class="facts">${fact('Key', event.key)}${fact(
    'Object',
    event.objectId ? html`<a href="${listUrl(base, { q: event.objectId })}"><code>${event.objectId}</code></a> (every event of it)` : '—',
  )}${fact('Status', html`<span id="status" class="status status-${event.status}">${event.status}</span>`)}${fact('Attempts', event.attempts)}${fact(
    'Next attempt',
    event.status === 'pending' || event.status === 'failed' ? iso(event.nextAttemptAt) : '—',
  )}${fact('Received', iso(event.receivedAt))}${fact('Processed', iso(event.processedAt) || '—')}${fact('Live mode', event.livemode ? 'yes' : 'no (test)')}${fact(
    'Source',
    event.source === 'reconciliation' ? 'reconciliation with the Events API' : 'webhook delivery',
  )}</dl>
${event.lastError && html`<h2>Last error</h2><pre class="error" id="last-error">${event.lastError}</pre>`}
${actions}
<h2>Handlers</h2>${runsTable(event.handlerRuns, 'handlers')}
<h2>Replays</h2>${replayHistory(event.replays)}
<h2>Body</h2><p class="note">As stored, pretty-printed; card data (card numbers but their last 4 digits), secrets and personal data are masked.</p><pre id="body">${event.body}</pre>`;
  return layout({ ...frame, refresh: waiting }, event.eventId, content);
}

export function confirmEventPage(frame: PageFrame, event: StoredEventDetail, force: boolean): string {
  const url = eventUrl(frame.base, event.eventId);
  const effect = force
    ? 'Every handler runs again, including those that succeeded.'
    : 'The handlers that have not succeeded run again; those that succeeded are not called.';
  return layout(
    frame,
    `Replay ${event.eventId}`,
    html`<h1>${force ? 'Force replay' : 'Replay'} <code>${event.eventId}</code>?</h1>
<p>It is ${statusBadge(event.status)} after ${plural(event.attempts, 'attempt')}. ${effect} Its attempts start again from zero; its current attempts and errors stay readable in its replay history.</p>
<form method="post" action="${url}/replay" class="actions">${force && html`<input type="hidden" name="force" value="1">`}
<button type="submit"${force && html` class="danger"`}>${force ? 'Force replay' : 'Replay'}</button><a class="button secondary" href="${url}">Cancel</a></form>`,
  );
}

export function errorPage(frame: PageFrame, status: number, message: string): string {
  return layout(frame, `${status}`, html`<h1>${status}</h1><p class="notice" role="alert">${message}</p><p><a href="${frame.base}">Stored events</a></p>`);
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}
