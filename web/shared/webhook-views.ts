/**
 * Endpoint health, delivery log, delivery attempts and the endpoint actions (test, rotate,
 * recover, retry). The portal and the console call the same operations under different bases
 * (/portal/api and /api/v1), so these take an ApiClient already bound to one.
 */
import { useEffect, useState } from 'preact/hooks';
import { createApiClient, query, type ApiClient } from './api-client';
import { ErrorNote, Field, fieldErrorsOf, formErrorOf, html, href, MoreButton, Section, Status, Time, useLoad, usePaged, type Page } from './ui';

export interface Health {
  circuit: 'closed' | 'open';
  consecutiveFailures: number;
  failingSince: string | null;
  lastSuccessAt: string | null;
  lastError: { at: string; httpStatus: number | null; errorClass: string | null; message: string | null } | null;
  recent: { succeeded: number; failed: number; successRate: number | null };
}

export interface Endpoint {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  disabledReason: string | null;
  secretPrefix: string;
  health: Health;
  createdAt: string;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  url: string;
  status: string;
  statusReason: string | null;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  replayId?: string | null;
  workflowId: string;
  createdAt: string;
}

export interface Attempt {
  number: number;
  series: number;
  startedAt: string;
  durationMs: number;
  httpStatus: number | null;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  responseBody: string;
  errorClass: string | null;
  errorMessage: string | null;
}

/** Links a workflow id to the Temporal UI, when the console knows where it is. */
export type WorkflowLink = (workflowId: string) => string | null;

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'cancelled'];

export function healthWord(h: Health, active = true): string {
  if (!active) return 'disabled';
  if (h.circuit === 'open') return 'circuit open';
  return h.consecutiveFailures > 0 ? 'failing' : 'healthy';
}

const percent = (rate: number | null) => (rate === null ? 'no attempts' : `${Math.round(rate * 100)}%`);

export function HealthSummary({ endpoint }: { endpoint: Endpoint }) {
  const h = endpoint.health;
  return html`<dl class="facts">
    <dt>State</dt><dd><${Status} value=${healthWord(h, endpoint.active)} />${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}</dd>
    <dt>Recent success rate</dt><dd>${percent(h.recent.successRate)} (${h.recent.succeeded} ok, ${h.recent.failed} failed)</dd>
    <dt>Failures in a row</dt><dd>${h.consecutiveFailures}</dd>
    <dt>Last success</dt><dd><${Time} iso=${h.lastSuccessAt} /></dd>
    <dt>Last error</dt><dd>${h.lastError ? html`${h.lastError.httpStatus ?? h.lastError.errorClass ?? 'error'} ${h.lastError.message ?? ''} <${Time} iso=${h.lastError.at} />` : 'none'}</dd>
  </dl>`;
}

function WorkflowAnchor({ id, link }: { id: string; link?: WorkflowLink }) {
  const url = link?.(id);
  return url ? html`<a href=${url} target="_blank" rel="noopener noreferrer">${id}</a>` : html`<code>${id}</code>`;
}

/** An endpoint's deliveries, newest first, filtered by status and event type, paged by cursor. */
/**
 * A delivery log, filtered by status and event type: one endpoint's (`/webhooks/:id/deliveries`,
 * the portal's) or, with `workspaceWide`, every endpoint's (`/deliveries`, `endpointId` then optional).
 */
export function DeliveryLog({ api, endpointId, workspaceWide = false, initialStatus = '', initialType = '' }: { api: ApiClient; endpointId?: string; workspaceWide?: boolean; initialStatus?: string; initialType?: string }) {
  const [status, setStatus] = useState(initialStatus);
  const [type, setType] = useState(initialType);
  const [applied, setApplied] = useState({ status: initialStatus, type: initialType });
  const filters = { limit: 20, status: applied.status, event_type: applied.type };
  const list = usePaged<Delivery>(
    (before) =>
      workspaceWide
        ? api.get<Page<Delivery>>(`/deliveries${query({ ...filters, before, subscription_id: endpointId })}`)
        : api.get<Page<Delivery>>(`/webhooks/${encodeURIComponent(endpointId ?? '')}/deliveries${query({ ...filters, before })}`),
    `${endpointId ?? '*'}|${applied.status}|${applied.type}`,
  );
  const showEndpoint = workspaceWide && !endpointId;
  return html`<div>
    <form class="filters" onSubmit=${(e: Event) => {
      e.preventDefault();
      setApplied({ status, type });
    }}>
      <div class="field">
        <label for="filter-status">Status</label>
        <select id="filter-status" value=${status} onChange=${(e: Event) => setStatus((e.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          ${DELIVERY_STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
        </select>
      </div>
      <${Field} id="filter-type" label="Event type" value=${type} onValue=${setType} hint="e.g. lead.created" />
      <button type="submit">Filter</button>
      <button type="button" class="secondary" onClick=${() => list.reload()}>Refresh</button>
    </form>
    <${ErrorNote} error=${list.error} />
    ${list.items.length === 0 && !list.loading ? html`<p>No deliveries${applied.status || applied.type ? ' match' : ' yet'}.</p>` : null}
    ${list.items.length > 0 &&
    html`<div class="table-wrap"><table>
      <caption class="visually-hidden">Deliveries, newest first</caption>
      <thead><tr><th scope="col">Delivery</th>${showEndpoint && html`<th scope="col">Endpoint</th>`}<th scope="col">Event type</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Created</th></tr></thead>
      <tbody>${list.items.map(
        (d) => html`<tr>
          <td><a href=${href('deliveries', d.id)}>${d.id}</a>${d.replayId ? ' (replay)' : ''}</td>
          ${showEndpoint && html`<td>${d.url}</td>`}
          <td>${d.eventType}</td>
          <td><${Status} value=${d.status} /></td>
          <td>${d.attemptCount}</td>
          <td><${Time} iso=${d.createdAt} /></td>
        </tr>`,
      )}</tbody>
    </table></div>`}
    <${MoreButton} list=${list} />
  </div>`;
}

function AttemptView({ attempt }: { attempt: Attempt }) {
  const sent = Object.entries(attempt.requestHeaders ?? {});
  const headers = Object.entries(attempt.responseHeaders);
  const outcome = attempt.httpStatus !== null ? `HTTP ${attempt.httpStatus}` : (attempt.errorClass ?? 'no response');
  return html`<li class="attempt">
    <h3>Attempt ${attempt.number}${attempt.series > 1 ? ` (series ${attempt.series})` : ''}: ${outcome}</h3>
    <dl class="facts">
      <dt>Started</dt><dd><${Time} iso=${attempt.startedAt} /></dd>
      <dt>Duration</dt><dd>${Math.round(attempt.durationMs)} ms</dd>
      <dt>Response status</dt><dd>${attempt.httpStatus ?? '—'}</dd>
      <dt>Error class</dt><dd>${attempt.errorClass ?? '—'}${attempt.errorMessage ? `: ${attempt.errorMessage}` : ''}</dd>
    </dl>
    <details>
      <summary>Request headers (${sent.length})</summary>
      <pre tabindex="0">${sent.map(([k, v]) => `${k}: ${v}`).join('\n') || '(not kept for this attempt)'}</pre>
    </details>
    <details>
      <summary>Response headers (${headers.length})</summary>
      <pre tabindex="0">${headers.map(([k, v]) => `${k}: ${v}`).join('\n') || '(none)'}</pre>
    </details>
    <p class="label">Response body (first 4 KB)</p>
    <pre class="body" tabindex="0">${attempt.responseBody || '(empty)'}</pre>
  </li>`;
}

/** A delivery with every attempt, and its retry action. */
export function DeliveryDetail({ api, id, workflowLink }: { api: ApiClient; id: string; workflowLink?: WorkflowLink }) {
  const delivery = useLoad(() => api.get<Delivery & { attempts: Attempt[] }>(`/deliveries/${encodeURIComponent(id)}`), id);
  const [retry, setRetry] = useState<{ busy: boolean; message: string | null; error: unknown }>({ busy: false, message: null, error: null });
  // A delivery still in flight changes by itself: look again every 2 s until it settles.
  const pending = delivery.value?.status === 'pending';
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(delivery.reload, 2000);
    return () => clearInterval(timer);
  }, [pending]); // reload only reads state setters: the first one stays good
  const d = delivery.value;
  const doRetry = async () => {
    setRetry({ busy: true, message: null, error: null });
    try {
      const res = await api.request<{ mode: string }>('POST', `/deliveries/${encodeURIComponent(id)}/retry`);
      setRetry({ busy: false, message: `Retry started (${res.mode}).`, error: null });
      delivery.reload();
    } catch (err) {
      setRetry({ busy: false, message: null, error: err });
    }
  };
  return html`<div>
    <h1 tabindex="-1">Delivery ${id}</h1>
    <${ErrorNote} error=${delivery.error} />
    ${d &&
    html`<div>
      <dl class="facts">
        <dt>Status</dt><dd><${Status} value=${d.status} />${d.statusReason ? ` (${d.statusReason})` : ''}</dd>
        <dt>Event</dt><dd>${d.eventType} <code>${d.eventId}</code></dd>
        <dt>Endpoint</dt><dd><a href=${href('endpoints', d.subscriptionId)}>${d.url}</a></dd>
        <dt>Created</dt><dd><${Time} iso=${d.createdAt} /></dd>
        <dt>Next attempt</dt><dd><${Time} iso=${d.nextAttemptAt} /></dd>
        <dt>Workflow</dt><dd><${WorkflowAnchor} id=${d.workflowId} link=${workflowLink} /></dd>
      </dl>
      <div class="actions">
        <button type="button" disabled=${retry.busy} onClick=${() => void doRetry()}>Retry now</button>
        <button type="button" class="secondary" onClick=${delivery.reload}>Refresh</button>
      </div>
      <p role="status" class="notice">${retry.message ?? ''}</p>
      <${ErrorNote} error=${retry.error} />
      <${Section} title=${`Attempts (${d.attempts.length})`}>
        ${d.attempts.length === 0 ? html`<p>No attempt yet.</p>` : html`<ol class="attempts">${[...d.attempts].reverse().map((a) => html`<${AttemptView} attempt=${a} />`)}</ol>`}
      <//>
    </div>`}
  </div>`;
}

interface Recovery {
  id: string;
  status: 'running' | 'completed' | 'failed';
  found: number;
  recovered: number;
}

/** Test event, secret rotation and recovery of one endpoint. */
export function EndpointActions({ api, endpointId, workflowLink, onChanged }: { api: ApiClient; endpointId: string; workflowLink?: WorkflowLink; onChanged: () => void }) {
  const base = `/webhooks/${encodeURIComponent(endpointId)}`;
  const [note, setNote] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [since, setSince] = useState(() => toLocalInput(new Date(Date.now() - 3600_000)));
  const [recoverError, setRecoverError] = useState<unknown>(null);
  const [recovery, setRecovery] = useState<Recovery | null>(null);

  const run = async (what: () => Promise<void>) => {
    setError(null);
    setNote(null);
    try {
      await what();
    } catch (err) {
      setError(err);
    }
  };
  const sendTest = () =>
    run(async () => {
      const res = await api.request<{ deliveryId: string }>('POST', `${base}/test`);
      setNote(html`Test event queued: <a href=${href('deliveries', res.deliveryId)}>delivery ${res.deliveryId}</a>.`);
      onChanged();
    });
  const rotate = () =>
    run(async () => {
      if (!confirm('Rotate the signing secret? The old one stays valid for 24 hours.')) return;
      const res = await api.request<{ secret: string }>('POST', `${base}/rotate-secret`, {});
      setSecret(res.secret);
      onChanged();
    });
  const recover = async (e: Event) => {
    e.preventDefault();
    setRecoverError(null);
    setRecovery(null);
    try {
      const started = await api.request<{ id: string; progressUrl: string }>('POST', `${base}/recover`, { since: new Date(since).toISOString() });
      await followRecovery(started.progressUrl, setRecovery);
      onChanged();
    } catch (err) {
      setRecoverError(err);
    }
  };
  const sinceErrors = fieldErrorsOf(recoverError, 'since');
  return html`<div>
    <div class="actions">
      <button type="button" onClick=${() => void sendTest()}>Send test event</button>
      <button type="button" class="secondary" onClick=${() => void rotate()}>Rotate secret</button>
    </div>
    <p role="status" class="notice">${note}</p>
    <${ErrorNote} error=${error} />
    ${secret &&
    html`<div class="secret" role="region" aria-label="New signing secret">
      <p><strong>New signing secret</strong> — shown once; copy it now.</p>
      <code class="secret-value">${secret}</code>
      <button type="button" class="secondary" onClick=${() => setSecret(null)}>I copied it</button>
    </div>`}
    <form class="inline" onSubmit=${(e: Event) => void recover(e)}>
      <${Field} id="recover-since" label="Recover everything not delivered since" type="datetime-local" value=${since} onValue=${setSince} errors=${sinceErrors} required=${true} />
      <button type="submit">Recover</button>
    </form>
    <${ErrorNote} error=${formErrorOf(recoverError, ['since'])} />
    <p role="status" class="notice recovery-progress">${recovery && html`Recovery <${WorkflowAnchor} id=${recovery.id} link=${workflowLink} />: ${recovery.status}, ${recovery.found} found, ${recovery.recovered} re-delivered.`}</p>
  </div>`;
}

/** The progress URL the API answers with is a path on this origin. */
const sameOrigin = createApiClient('');

/** Polls the recovery's progress URL until it finishes. */
async function followRecovery(progressUrl: string, onProgress: (r: Recovery) => void): Promise<void> {
  for (;;) {
    const r = await sameOrigin.get<Recovery>(progressUrl);
    onProgress(r);
    if (r.status !== 'running') return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** `<input type="datetime-local">` wants local time without zone: yyyy-mm-ddThh:mm. */
export function toLocalInput(d: Date): string {
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
