/**
 * Overview from GET /stats: events in and deliveries out per minute over the last hour, the
 * delivery success rate, the ingest pipeline's backlog and lag, and the failing endpoints.
 */
import { ErrorNote, href, html, Section, Status, Time, useLoad, type Page } from '../../shared/ui';
import { healthWord, type Health } from '../../shared/webhook-views';
import { v1 } from '../console-api';

const WINDOW_MINUTES = 60;
/** Rows of the per-minute table: the most recent minutes that saw anything. */
const MINUTES_SHOWN = 15;

interface MinuteCounts {
  start: string;
  events: number;
  deliveries: { created: number; succeeded: number; failed: number };
}

interface Stats {
  minutes: MinuteCounts[];
  deliveries: { created: number; succeeded: number; failed: number; successRate: number | null };
  ingest: { backlog: number; lagSeconds: number | null };
  failingEndpoints: Array<{ id: string; url: string; active: boolean; health: Health }>;
}

export function OverviewPage({ workspaceName }: { workspaceName: string }) {
  const stats = useLoad(() => v1.get<Stats>(`/stats?minutes=${WINDOW_MINUTES}`), 'stats');
  const events = useLoad(() => v1.get<Page<{ id: string; type: string; createdAt: string }>>('/events?limit=10'), 'events');
  const s = stats.value;
  return html`<h1 tabindex="-1">Overview of ${workspaceName}</h1>
    <${ErrorNote} error=${stats.error ?? events.error} />
    ${s && html`<${KeyFigures} stats=${s} />`}
    <div class="actions"><button type="button" class="secondary" onClick=${stats.reload}>Refresh</button></div>
    ${s && html`<${PerMinute} minutes=${s.minutes} />`}
    ${s && html`<${FailingEndpoints} endpoints=${s.failingEndpoints} />`}
    <${Section} title="Latest events">
      <ul>${(events.value?.data ?? []).map((e) => html`<li><a href=${href('events', e.id)}>${e.type}</a> <${Time} iso=${e.createdAt} /></li>`)}</ul>
      <p><a href="#/events">All events</a></p>
    <//>`;
}

function KeyFigures({ stats }: { stats: Stats }) {
  const events = stats.minutes.reduce((n, m) => n + m.events, 0);
  const d = stats.deliveries;
  return html`<ul class="cards" aria-label="Key figures of the last hour">
    <li class="card"><span class="number">${events}</span> events in the last hour</li>
    <li class="card"><span class="number">${d.successRate === null ? '—' : `${Math.round(d.successRate * 100)}%`}</span> deliveries succeeded (${d.succeeded} ok, ${d.failed} failed, ${d.created} in all)</li>
    <li class="card"><span class="number">${stats.ingest.backlog}</span> ingest events waiting${stats.ingest.lagSeconds === null ? '' : `, oldest ${stats.ingest.lagSeconds} s`}</li>
    <li class="card"><span class="number">${stats.failingEndpoints.length}</span> failing or disabled endpoints</li>
  </ul>`;
}

/** The recent busy minutes, newest first, each count with a bar (a native meter: no inline styles under the CSP). */
function PerMinute({ minutes }: { minutes: MinuteCounts[] }) {
  const busy = minutes.filter((m) => m.events + m.deliveries.created > 0).reverse().slice(0, MINUTES_SHOWN);
  const max = Math.max(1, ...busy.map((m) => Math.max(m.events, m.deliveries.created)));
  const bar = (n: number, label: string) => html`${n} <meter min="0" max=${max} value=${n} aria-label=${label}></meter>`;
  return html`<${Section} title="Per minute">
    ${busy.length === 0
      ? html`<p>Nothing in the last hour.</p>`
      : html`<div class="table-wrap"><table>
          <caption class="visually-hidden">Events and deliveries per minute, newest first</caption>
          <thead><tr><th scope="col">Minute</th><th scope="col">Events</th><th scope="col">Deliveries</th><th scope="col">Succeeded</th><th scope="col">Failed</th></tr></thead>
          <tbody>${busy.map(
            (m) => html`<tr>
              <th scope="row"><${Time} iso=${m.start} /></th>
              <td>${bar(m.events, 'events')}</td>
              <td>${bar(m.deliveries.created, 'deliveries')}</td>
              <td>${m.deliveries.succeeded}</td>
              <td>${m.deliveries.failed}</td>
            </tr>`,
          )}</tbody>
        </table></div>`}
  <//>`;
}

function FailingEndpoints({ endpoints }: { endpoints: Stats['failingEndpoints'] }) {
  return html`<${Section} title="Failing endpoints">
    ${endpoints.length === 0
      ? html`<p>None: every endpoint answered its last attempt.</p>`
      : html`<div class="table-wrap"><table>
          <caption class="visually-hidden">Failing or disabled endpoints</caption>
          <thead><tr><th scope="col">Endpoint</th><th scope="col">State</th><th scope="col">Failures in a row</th><th scope="col">Last error</th></tr></thead>
          <tbody>${endpoints.map(
            (e) => html`<tr>
              <td><a href=${href('endpoints', e.id)}>${e.url}</a></td>
              <td><${Status} value=${healthWord(e.health, e.active)} /></td>
              <td>${e.health.consecutiveFailures}</td>
              <td>${e.health.lastError ? html`${e.health.lastError.httpStatus ?? e.health.lastError.errorClass} <${Time} iso=${e.health.lastError.at} />` : '—'}</td>
            </tr>`,
          )}</tbody>
        </table></div>`}
  <//>`;
}
