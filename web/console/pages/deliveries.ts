/** Every delivery of the workspace (GET /deliveries), filtered by status, event type and, optionally, endpoint. */
import { DeliveryLog, type Endpoint } from '../../shared/webhook-views';
import { ErrorNote, html, useLoad, type Page } from '../../shared/ui';
import { v1 } from '../console-api';

export function DeliveriesPage({ params }: { params: URLSearchParams }) {
  const endpoints = useLoad(() => v1.get<Page<Endpoint>>('/webhooks?limit=100'), 'endpoints');
  const list = endpoints.value?.data ?? [];
  const chosen = params.get('endpoint') ?? '';
  const choose = (id: string) => {
    location.hash = id ? `#/deliveries?endpoint=${encodeURIComponent(id)}` : '#/deliveries';
  };
  return html`<h1 tabindex="-1">Deliveries</h1>
    <${ErrorNote} error=${endpoints.error} />
    ${endpoints.value && list.length === 0 && html`<p>No endpoints yet: create one under <a href="#/webhooks">Webhooks</a>.</p>`}
    <div class="field">
      <label for="delivery-endpoint">Endpoint</label>
      <select id="delivery-endpoint" value=${chosen} onChange=${(e: Event) => choose((e.target as HTMLSelectElement).value)}>
        <option value="">every endpoint</option>
        ${list.map((e) => html`<option value=${e.id}>${e.url}${e.description ? ` (${e.description})` : ''}</option>`)}
      </select>
    </div>
    <${DeliveryLog} key=${chosen} api=${v1} workspaceWide=${true} endpointId=${chosen || undefined} initialStatus=${params.get('status') ?? ''} initialType=${params.get('type') ?? ''} />`;
}
