/**
 * Overview from the list routes (there is no stats route): endpoint health and recent success
 * rates, the failing endpoints, and the events of the last hour from the newest page of the log.
 */
import { ErrorNote, href, html, Section, Status, Time, useLoad, type Page } from '../../shared/ui';
import { healthWord, type Endpoint } from '../../shared/webhook-views';
import { v1 } from '../console-api';

const HOUR = 3600_000;

export function OverviewPage({ workspaceName }: { workspaceName: string }) {
  const endpoints = useLoad(() => v1.get<Page<Endpoint>>('/webhooks?limit=100'), 'endpoints');
  const events = useLoad(() => v1.get<Page<{ id: string; type: string; createdAt: string }>>('/events?limit=100'), 'events');
  const list = endpoints.value?.data ?? [];
  const failing = list.filter((e) => !e.active || e.health.circuit === 'open' || e.health.consecutiveFailures > 0);
  const ok = list.reduce((n, e) => n + e.health.recent.succeeded, 0);
  const failed = list.reduce((n, e) => n + e.health.recent.failed, 0);
  const recentEvents = (events.value?.data ?? []).filter((e) => Date.now() - Date.parse(e.createdAt) < HOUR);
  const moreThanShown = events.value?.nextBefore !== null && recentEvents.length === events.value?.data.length;
  return html`<h1 tabindex="-1">Overview of ${workspaceName}</h1>
    <${ErrorNote} error=${endpoints.error ?? events.error} />
    <ul class="cards" aria-label="Key figures">
      <li class="card"><span class="number">${recentEvents.length}${moreThanShown ? '+' : ''}</span> events in the last hour</li>
      <li class="card"><span class="number">${ok + failed === 0 ? '—' : `${Math.round((ok / (ok + failed)) * 100)}%`}</span> delivery attempts succeeded recently (${ok} ok, ${failed} failed)</li>
      <li class="card"><span class="number">${list.length}</span> webhook endpoints</li>
      <li class="card"><span class="number">${failing.length}</span> failing or disabled</li>
    </ul>
    <${Section} title="Failing endpoints">
      ${failing.length === 0
        ? html`<p>None: every endpoint answered its last attempt.</p>`
        : html`<div class="table-wrap"><table>
            <caption class="visually-hidden">Failing or disabled endpoints</caption>
            <thead><tr><th scope="col">Endpoint</th><th scope="col">State</th><th scope="col">Failures in a row</th><th scope="col">Last error</th></tr></thead>
            <tbody>${failing.map(
              (e) => html`<tr>
                <td><a href=${href('endpoints', e.id)}>${e.url}</a></td>
                <td><${Status} value=${healthWord(e.health, e.active)} /></td>
                <td>${e.health.consecutiveFailures}</td>
                <td>${e.health.lastError ? html`${e.health.lastError.httpStatus ?? e.health.lastError.errorClass} <${Time} iso=${e.health.lastError.at} />` : '—'}</td>
              </tr>`,
            )}</tbody>
          </table></div>`}
    <//>
    <${Section} title="Latest events">
      <ul>${(events.value?.data ?? []).slice(0, 10).map((e) => html`<li><a href=${href('events', e.id)}>${e.type}</a> <${Time} iso=${e.createdAt} /></li>`)}</ul>
      <p><a href="#/events">All events</a></p>
    <//>`;
}
