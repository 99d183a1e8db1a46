/** Webhooks: the endpoints with their health, create, and one endpoint's edit, enable/disable, actions and deliveries. */
import { useState } from 'preact/hooks';
import type { WorkflowLink } from '../../shared/webhook-views';
import { DeliveryLog, EndpointActions, HealthSummary, healthWord, type Endpoint } from '../../shared/webhook-views';
import { query } from '../../shared/api-client';
import { ErrorNote, Field, fieldErrorsOf, formErrorOf, href, html, MoreButton, Section, Status, Time, useLoad, usePaged, type Page } from '../../shared/ui';
import { v1 } from '../console-api';
import { workflowIds } from '../../../core/platform/temporal/workflow-ids';

const splitList = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

function EndpointForm({ initial, submitLabel, onSubmit }: { initial?: Endpoint; submitLabel: string; onSubmit: (body: Record<string, unknown>) => Promise<void> }) {
  const [url, setUrl] = useState(initial?.url ?? '');
  const [events, setEvents] = useState(initial?.events.join(', ') ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const prefix = initial ? 'edit' : 'new';
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit({ url, events: splitList(events), ...(description ? { description } : {}) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<form onSubmit=${(e: Event) => void submit(e)} novalidate>
    <${Field} id=${`${prefix}-url`} label="Endpoint URL" type="url" value=${url} onValue=${setUrl} errors=${fieldErrorsOf(error, 'url')} required=${true} />
    <${Field} id=${`${prefix}-events`} label="Event types" value=${events} onValue=${setEvents} errors=${fieldErrorsOf(error, 'events')} hint="Comma-separated, e.g. lead.created, visitor.identified" required=${true} />
    <${Field} id=${`${prefix}-description`} label="Description (optional)" value=${description} onValue=${setDescription} errors=${fieldErrorsOf(error, 'description')} />
    <${ErrorNote} error=${formErrorOf(error, ['url', 'events', 'description'])} />
    <button type="submit" disabled=${busy}>${submitLabel}</button>
  </form>`;
}

export function WebhooksPage() {
  const list = usePaged<Endpoint>((before) => v1.get<Page<Endpoint>>(`/webhooks${query({ limit: 25, before })}`), 'webhooks');
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);
  return html`<h1 tabindex="-1">Webhooks</h1>
    <${Section} title="Endpoints">
      <${ErrorNote} error=${list.error} />
      ${list.items.length === 0 && !list.loading && html`<p>No endpoints yet.</p>`}
      ${list.items.length > 0 &&
      html`<div class="table-wrap"><table>
        <caption class="visually-hidden">Webhook endpoints, newest first</caption>
        <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Health</th><th scope="col">Last success</th></tr></thead>
        <tbody>${list.items.map(
          (e) => html`<tr>
            <td><a href=${href('endpoints', e.id)}>${e.url}</a></td>
            <td>${e.events.join(', ')}</td>
            <td><${Status} value=${healthWord(e.health, e.active)} /></td>
            <td><${Time} iso=${e.health.lastSuccessAt} /></td>
          </tr>`,
        )}</tbody>
      </table></div>`}
      <${MoreButton} list=${list} />
    <//>
    <${Section} title="New endpoint">
      ${created &&
      html`<div class="secret" role="region" aria-label="New endpoint's signing secret">
        <p><strong>Endpoint created.</strong> Its signing secret is shown once; copy it now. <a href=${href('endpoints', created.id)}>Open the endpoint</a></p>
        <code class="secret-value">${created.secret}</code>
      </div>`}
      <${EndpointForm}
        submitLabel="Create endpoint"
        onSubmit=${async (body: Record<string, unknown>) => {
          const res = await v1.request<{ id: string; secret: string }>('POST', '/webhooks', body);
          setCreated({ id: res.id, secret: res.secret });
          await list.reload();
        }}
      />
    <//>`;
}

interface HealthReport {
  deliveries: { queued: number; retrying: number; waiting: number };
  probe: { status: string; probes: number; nextProbeAt: string | null } | null;
}

export function EndpointPage({ id, workflowLink }: { id: string; workflowLink: WorkflowLink }) {
  const endpoint = useLoad(() => v1.get<Endpoint>(`/webhooks/${encodeURIComponent(id)}`), id);
  const report = useLoad(() => v1.get<HealthReport>(`/webhooks/${encodeURIComponent(id)}/health`), id);
  const [logVersion, setLogVersion] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState('');
  const e = endpoint.value;
  const refresh = () => {
    endpoint.reload();
    report.reload();
    setLogVersion((v) => v + 1);
  };
  const setActive = async (active: boolean) => {
    setError(null);
    try {
      await v1.request('PATCH', `/webhooks/${encodeURIComponent(id)}`, { active });
      setSaved(active ? 'Endpoint enabled.' : 'Endpoint disabled.');
      refresh();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async () => {
    if (!confirm('Delete this endpoint? Its deliveries stop.')) return;
    try {
      await v1.request('DELETE', `/webhooks/${encodeURIComponent(id)}`);
      location.hash = '#/webhooks';
    } catch (err) {
      setError(err);
    }
  };
  const r = report.value;
  const endpointWorkflow = workflowLink(workflowIds.endpoint(id));
  return html`<h1 tabindex="-1">Endpoint ${e?.url ?? id}</h1>
    <${ErrorNote} error=${endpoint.error} />
    ${e &&
    html`<${Section} title="Health">
        <${HealthSummary} endpoint=${e} />
        ${r &&
        html`<dl class="facts">
          <dt>Pending deliveries</dt><dd>${r.deliveries.queued} queued, ${r.deliveries.retrying} retrying, ${r.deliveries.waiting} waiting for the circuit</dd>
          <dt>Probe</dt><dd>${r.probe ? html`${r.probe.status}, ${r.probe.probes} probes${endpointWorkflow ? html` (<a href=${endpointWorkflow} target="_blank" rel="noopener noreferrer">workflow</a>)` : ''}` : 'not running'}</dd>
        </dl>`}
      <//>
      <${Section} title="Actions">
        <div class="actions">
          ${e.active
            ? html`<button type="button" class="danger" onClick=${() => void setActive(false)}>Disable</button>`
            : html`<button type="button" onClick=${() => void setActive(true)}>Enable</button>`}
          <button type="button" class="danger" onClick=${() => void remove()}>Delete</button>
        </div>
        <p role="status" class="notice">${saved}</p>
        <${ErrorNote} error=${error} />
        <${EndpointActions} api=${v1} endpointId=${id} workflowLink=${workflowLink} onChanged=${refresh} />
      <//>
      <${Section} title="Edit">
        <${EndpointForm}
          key=${e.id}
          initial=${e}
          submitLabel="Save changes"
          onSubmit=${async (body: Record<string, unknown>) => {
            await v1.request('PATCH', `/webhooks/${encodeURIComponent(id)}`, body);
            setSaved('Changes saved.');
            refresh();
          }}
        />
      <//>
      <${Section} title="Deliveries"><${DeliveryLog} key=${logVersion} api=${v1} endpointId=${id} /><//>`}`;
}
