/** The workspace's API keys: create (the key is shown once) and revoke. */
import { useState } from 'preact/hooks';
import { ErrorNote, Field, fieldErrorsOf, formErrorOf, html, Section, Status, Time, useLoad } from '../../shared/ui';
import { v1 } from '../console-api';

interface ApiKey {
  id: string;
  kind: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function KeysPage() {
  const keys = useLoad(() => v1.get<{ data: ApiKey[] }>('/keys'), 'keys');
  const [kind, setKind] = useState('secret');
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<string | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const res = await v1.request<{ key: string }>('POST', '/keys', { kind, ...(name ? { name } : {}) });
      setCreated(res.key);
      setName('');
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (key: ApiKey) => {
    if (!confirm(`Revoke ${key.name} (${key.prefix}…)? It stops working at once.`)) return;
    try {
      await v1.request('POST', `/keys/${encodeURIComponent(key.id)}/revoke`);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  return html`<h1 tabindex="-1">API keys</h1>
    <${ErrorNote} error=${keys.error} />
    ${keys.value &&
    html`<div class="table-wrap"><table>
      <caption class="visually-hidden">API keys, newest first</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Starts with</th><th scope="col">Scopes</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead>
      <tbody>${keys.value.data.map(
        (k) => html`<tr>
          <td>${k.name}</td><td>${k.kind}</td><td><code>${k.prefix}</code></td><td>${k.scopes.join(', ') || 'all'}</td><td><${Time} iso=${k.lastUsedAt} /></td>
          <td>${k.revokedAt ? html`<${Status} value="revoked" /> <${Time} iso=${k.revokedAt} />` : html`<button type="button" class="danger" aria-label=${`Revoke ${k.name}`} onClick=${() => void revoke(k)}>Revoke</button>`}</td>
        </tr>`,
      )}</tbody>
    </table></div>`}
    <${Section} title="New key">
      ${created &&
      html`<div class="secret" role="region" aria-label="New API key">
        <p><strong>New key</strong> — shown once; copy it now.</p>
        <code class="secret-value">${created}</code>
        <button type="button" class="secondary" onClick=${() => setCreated(null)}>I copied it</button>
      </div>`}
      <form onSubmit=${(e: Event) => void create(e)} novalidate>
        <div class="field">
          <label for="key-kind">Kind</label>
          <select id="key-kind" value=${kind} onChange=${(e: Event) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="secret">secret (server side)</option>
            <option value="publishable">publishable (browser tracker)</option>
          </select>
        </div>
        <${Field} id="key-name" label="Name (optional)" value=${name} onValue=${setName} errors=${fieldErrorsOf(error, 'name')} />
        <${ErrorNote} error=${formErrorOf(error, ['name'])} />
        <button type="submit">Create key</button>
      </form>
    <//>`;
}
