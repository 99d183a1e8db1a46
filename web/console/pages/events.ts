/** The event log, filtered by type, with each event's payload and deliveries. */
import { useState } from 'preact/hooks';
import { query } from '../../shared/api-client';
import { ErrorNote, href, html, MoreButton, Section, Status, Time, useLoad, usePaged, type Page } from '../../shared/ui';
import type { Delivery } from '../../shared/webhook-views';
import { v1 } from '../console-api';

interface EventView {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

export function EventsPage({ params }: { params: URLSearchParams }) {
  const types = useLoad(() => v1.get<{ data: Array<{ type: string }> }>('/event-types'), 'types');
  const applied = params.get('type') ?? '';
  const [type, setType] = useState(applied);
  const list = usePaged<EventView>((before) => v1.get<Page<EventView>>(`/events${query({ limit: 25, before, type: applied })}`), `events|${applied}`);
  return html`<h1 tabindex="-1">Events</h1>
    <form class="filters" onSubmit=${(e: Event) => {
      e.preventDefault();
      location.hash = type ? `#/events?type=${encodeURIComponent(type)}` : '#/events';
    }}>
      <div class="field">
        <label for="event-type">Event type</label>
        <select id="event-type" value=${type} onChange=${(e: Event) => setType((e.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          ${(types.value?.data ?? []).map((t) => html`<option value=${t.type}>${t.type}</option>`)}
        </select>
      </div>
      <button type="submit">Filter</button>
    </form>
    <${ErrorNote} error=${list.error ?? types.error} />
    ${list.items.length === 0 && !list.loading && html`<p>No events${applied ? ` of type ${applied}` : ''}.</p>`}
    <ul class="plain">
      ${list.items.map(
        (ev) => html`<li class="attempt">
          <h2><a href=${href('events', ev.id)}>${ev.type}</a> <small><${Time} iso=${ev.createdAt} /></small></h2>
          <details><summary>Payload of ${ev.id}</summary><pre tabindex="0">${JSON.stringify(ev.data, null, 2)}</pre></details>
        </li>`,
      )}
    </ul>
    <${MoreButton} list=${list} />`;
}

export function EventPage({ id }: { id: string }) {
  const event = useLoad(() => v1.get<EventView & { deliveries: Delivery[] }>(`/events/${encodeURIComponent(id)}`), id);
  const ev = event.value;
  return html`<h1 tabindex="-1">Event ${id}</h1>
    <${ErrorNote} error=${event.error} />
    ${ev &&
    html`<dl class="facts"><dt>Type</dt><dd>${ev.type}</dd><dt>Created</dt><dd><${Time} iso=${ev.createdAt} /></dd></dl>
      <${ReplayButton} eventId=${id} onReplayed=${event.reload} />
      <${Section} title="Payload"><pre tabindex="0">${JSON.stringify(ev.data, null, 2)}</pre><//>
      <${Section} title="Deliveries">
        ${ev.deliveries.length === 0
          ? html`<p>No endpoint subscribed to this event.</p>`
          : html`<ul>${ev.deliveries.map((d) => html`<li><a href=${href('deliveries', d.id)}>${d.url}</a> <${Status} value=${d.status} />${d.replayId ? ' (replay)' : ''} <${Time} iso=${d.createdAt} /></li>`)}</ul>`}
      <//>`}`;
}

/** Sends the event again to the endpoints that match it now, and links the new deliveries (same `webhook-id`: receivers de-duplicate). */
function ReplayButton({ eventId, onReplayed }: { eventId: string; onReplayed: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [replayed, setReplayed] = useState<string[] | null>(null);
  const replay = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await v1.request<{ deliveryIds: string[] }>('POST', `/events/${encodeURIComponent(eventId)}/replay`);
      setReplayed(res.deliveryIds);
      onReplayed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="actions">
    <button type="button" disabled=${busy} onClick=${replay}>Replay</button>
    <${ErrorNote} error=${error} />
    <div role="status">
      ${replayed &&
      (replayed.length === 0
        ? html`<p>Replayed: no endpoint matches this event now.</p>`
        : html`<p>Replayed as ${replayed.length} new ${replayed.length === 1 ? 'delivery' : 'deliveries'}:</p>
            <ul>${replayed.map((d) => html`<li><a href=${href('deliveries', d)}>${d}</a></li>`)}</ul>`)}
    </div>
  </div>`;
}
