/**
 * The operator console (/console): sign in with a secret key (or the admin token), then the
 * workspace's webhooks, deliveries, events, visitors, leads and keys, all through /api/v1 with
 * the session cookie and the CSRF header on writes. Hash routing; no state outside memory.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../shared/api-client';
import { DeliveryDetail } from '../shared/webhook-views';
import { ErrorNote, html, Time, useHashRoute, type Route } from '../shared/ui';
import { consoleApi, useSessionTokens, v1, workflowLinker, type ConsoleConfig, type ConsoleSession } from './console-api';
import { DeliveriesPage } from './pages/deliveries';
import { EventPage, EventsPage } from './pages/events';
import { KeysPage } from './pages/keys';
import { OverviewPage } from './pages/overview';
import { LeadPage, PeoplePage, VisitorPage } from './pages/people';
import { SignIn } from './pages/sign-in';
import { EndpointPage, WebhooksPage } from './pages/webhooks';

const NAV: Array<[section: string, label: string]> = [
  ['overview', 'Overview'],
  ['webhooks', 'Webhooks'],
  ['deliveries', 'Deliveries'],
  ['events', 'Events'],
  ['visitors', 'Visitors & leads'],
  ['keys', 'Keys'],
];
/** Detail routes belong to a section of the menu. */
const SECTION_OF: Record<string, string> = { endpoints: 'webhooks', leads: 'visitors' };

function Header({ session, section, onSignOut }: { session: ConsoleSession | null; section: string; onSignOut: () => void }) {
  return html`<a class="skip" href="#main" onClick=${(e: Event) => {
      e.preventDefault();
      document.getElementById('main')?.focus();
    }}>Skip to content</a>
    <header class="top">
      <p class="brand">Signalbox console</p>
      ${session &&
      html`<nav aria-label="Console"><ul>${NAV.map(
        ([id, label]) => html`<li><a href=${`#/${id}`} aria-current=${section === id ? 'page' : undefined}>${label}</a></li>`,
      )}</ul></nav>
      <div class="who">
        <span>${session.workspace.name}${session.admin ? ' (admin)' : ''}</span>
        <button type="button" class="secondary" onClick=${onSignOut}>Sign out</button>
      </div>`}
    </header>`;
}

function Page({ route, session, config }: { route: Route; session: ConsoleSession; config: ConsoleConfig | null }) {
  const [page = 'overview', id] = route.path;
  const link = workflowLinker(config);
  switch (page) {
    case 'webhooks':
      return html`<${WebhooksPage} />`;
    case 'endpoints':
      return html`<${EndpointPage} key=${id} id=${id} workflowLink=${link} />`;
    case 'deliveries':
      return id ? html`<${DeliveryDetail} key=${id} api=${v1} id=${id} workflowLink=${link} />` : html`<${DeliveriesPage} key=${route.params.toString()} params=${route.params} />`;
    case 'events':
      return id ? html`<${EventPage} key=${id} id=${id} />` : html`<${EventsPage} key=${route.params.toString()} params=${route.params} />`;
    case 'visitors':
      return id ? html`<${VisitorPage} key=${id} idOrEmail=${id} workspaceId=${session.workspace.id} workflowLink=${link} />` : html`<${PeoplePage} />`;
    case 'leads':
      return id ? html`<${LeadPage} key=${id} id=${id} />` : html`<${PeoplePage} />`;
    case 'keys':
      return html`<${KeysPage} />`;
    default:
      return html`<${OverviewPage} workspaceName=${session.workspace.name} />`;
  }
}

function App() {
  const route = useHashRoute();
  const [session, setSession] = useState<ConsoleSession | null>(null);
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [state, setState] = useState<'loading' | 'signed-out' | 'signed-in'>('loading');
  const [error, setError] = useState<unknown>(null);
  useSessionTokens(session);

  const signedIn = (s: ConsoleSession) => {
    setSession(s);
    setState('signed-in');
    consoleApi.get<ConsoleConfig>('/config').then(setConfig, () => setConfig(null));
  };
  useEffect(() => {
    consoleApi.get<ConsoleSession>('/session').then(signedIn, (err: unknown) => {
      if (!(err instanceof ApiError && err.status === 401)) setError(err);
      setState('signed-out');
    });
  }, []);
  // Signed out elsewhere, the key revoked, or the session expired: a 401 brings back the sign-in form.
  v1.onUnauthorized = () => setState('signed-out');
  const signOut = async () => {
    try {
      await consoleApi.request('DELETE', '/session');
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) return setError(err);
    }
    setSession(null);
    setState('signed-out');
    location.hash = '#/overview';
  };
  const section = SECTION_OF[route.path[0] ?? ''] ?? route.path[0] ?? 'overview';
  let content;
  if (state === 'loading') content = html`<h1 tabindex="-1">Loading…</h1>`;
  else if (state === 'signed-out' || !session) content = html`<${SignIn} onSignedIn=${signedIn} />`;
  else content = html`<${Page} route=${route} session=${session} config=${config} />`;
  return html`<${Header} session=${state === 'signed-in' ? session : null} section=${section} onSignOut=${() => void signOut()} />
    <main id="main" tabindex="-1">
      <${ErrorNote} error=${error} />
      ${content}
      ${session && state === 'signed-in' && html`<p class="footnote">Session ends <${Time} iso=${session.expires_at} /></p>`}
    </main>`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
