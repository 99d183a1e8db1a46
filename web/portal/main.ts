/**
 * The subscriber portal (/portal/): a webhook subscriber's own endpoints, their delivery log with
 * every attempt, and retry, recover, rotate and test. It reaches only /portal/api, whose session
 * (the cookie set by the one-time link) is scoped to the link's subscriptions.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, createApiClient } from '../shared/api-client';
import { ErrorNote, html, href, Section, Time, useHashRoute, useLoad, type Page } from '../shared/ui';
import { DeliveryDetail, DeliveryLog, EndpointActions, HealthSummary, healthWord, type Endpoint } from '../shared/webhook-views';
import { Status } from '../shared/ui';

const api = createApiClient('/portal/api');

interface Session {
  csrf_token: string;
  subscription_ids: string[];
  expires_at: string;
}

function Frame({ children, session, onEnd }: { children: unknown; session: Session | null; onEnd?: () => void }) {
  return html`<a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <p class="brand">Webhook portal</p>
      ${session && html`<nav aria-label="Portal"><ul><li><a href="#/">Endpoints</a></li></ul></nav>`}
      ${session && html`<div class="who"><span>Session ends <${Time} iso=${session.expires_at} /></span><button type="button" class="secondary" onClick=${onEnd}>End session</button></div>`}
    </header>
    <main id="main">${children}</main>`;
}

type Problem = 'link' | 'session' | 'ended';
const PROBLEMS: Record<Problem, [title: string, text: string]> = {
  link: ['Link refused', 'This portal link cannot be opened: it was already used, it has expired, or it never existed. Each link works once; ask the service that sent it for a new one.'],
  session: ['Not signed in', 'There is no open portal session in this browser (it may have expired). Open the link you were sent again, or ask for a new one.'],
  ended: ['Session ended', 'You ended this portal session. To come back, ask for a new link.'],
};

function Refused({ reason }: { reason: Problem }) {
  const [title, text] = PROBLEMS[reason];
  return html`<h1 tabindex="-1">${title}</h1><p>${text}</p>`;
}

function EndpointList() {
  const list = useLoad(() => api.get<Page<Endpoint>>('/webhooks'), 'all');
  return html`<h1 tabindex="-1">Your endpoints</h1>
    <${ErrorNote} error=${list.error} />
    ${list.value &&
    (list.value.data.length === 0
      ? html`<p>No endpoints in this session.</p>`
      : html`<ul class="cards" aria-label="Endpoints">${list.value.data.map(
          (e) => html`<li class="card">
            <h2><a href=${href('endpoints', e.id)}>${e.url}</a></h2>
            <p><${Status} value=${healthWord(e.health, e.active)} /> · ${e.events.join(', ')}</p>
            <p>Secret starts <code>${e.secretPrefix}</code></p>
          </li>`,
        )}</ul>`)}`;
}

function EndpointPage({ id }: { id: string }) {
  const endpoint = useLoad(() => api.get<Endpoint>(`/webhooks/${encodeURIComponent(id)}`), id);
  const [logVersion, setLogVersion] = useState(0);
  const e = endpoint.value;
  return html`<h1 tabindex="-1">Endpoint ${e?.url ?? id}</h1>
    <${ErrorNote} error=${endpoint.error} />
    ${e &&
    html`<${Section} title="Health"><${HealthSummary} endpoint=${e} /><//>
      <${Section} title="Actions">
        <${EndpointActions} api=${api} endpointId=${id} onChanged=${() => {
          endpoint.reload();
          setLogVersion((v) => v + 1);
        }} />
      <//>
      <${Section} title="Delivery log"><${DeliveryLog} key=${logVersion} api=${api} endpointId=${id} /><//>`}`;
}

function App() {
  const route = useHashRoute();
  const [session, setSession] = useState<Session | null>(null);
  const [problem, setProblem] = useState<Problem | Error | null>(null);
  useEffect(() => {
    if (new URLSearchParams(location.search).get('link') === 'refused') return setProblem('link');
    api.get<Session>('/session').then(
      (s) => {
        api.setCsrf(s.csrf_token);
        setSession(s);
      },
      (err: unknown) => setProblem(err instanceof ApiError && err.status === 401 ? 'session' : (err as Error)),
    );
  }, []);
  const end = () =>
    api.request('DELETE', '/session').then(
      () => setProblem('ended'),
      (err: unknown) => setProblem(err as Error),
    );
  if (problem) return html`<${Frame} session=${null}>${problem instanceof Error ? html`<h1 tabindex="-1">Portal unavailable</h1><${ErrorNote} error=${problem} />` : html`<${Refused} reason=${problem} />`}<//>`;
  if (!session) return html`<${Frame} session=${null}><h1 tabindex="-1">Loading…</h1><//>`;
  const [page, id] = route.path;
  let content;
  if (page === 'endpoints' && id) content = html`<${EndpointPage} key=${id} id=${id} />`;
  else if (page === 'deliveries' && id) content = html`<${DeliveryDetail} key=${id} api=${api} id=${id} />`;
  else content = html`<${EndpointList} />`;
  return html`<${Frame} session=${session} onEnd=${() => void end()}>${content}<//>`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
