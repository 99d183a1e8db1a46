/** Sign-in with a secret key, or the admin token and a workspace id. Nothing is kept in the browser but the HttpOnly cookie. */
import { useState } from 'preact/hooks';
import { consoleApi, type ConsoleSession } from '../console-api';
import { ErrorNote, Field, fieldErrorsOf, formErrorOf, html } from '../../shared/ui';

export function SignIn({ onSignedIn }: { onSignedIn: (s: ConsoleSession) => void }) {
  const [mode, setMode] = useState<'key' | 'admin'>('key');
  const [secretKey, setSecretKey] = useState('');
  const [adminToken, setAdminToken] = useState('');
  const [workspaceId, setWorkspaceId] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = mode === 'key' ? { secret_key: secretKey } : { admin_token: adminToken, workspace_id: workspaceId };
      const session = await consoleApi.request<ConsoleSession>('POST', '/session', body);
      // The form's state goes with the component; the key is not kept anywhere.
      setSecretKey('');
      setAdminToken('');
      onSignedIn(session);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fields = mode === 'key' ? ['secret_key'] : ['admin_token', 'workspace_id'];
  return html`<div class="signin">
    <h1 tabindex="-1">Sign in to the Signalbox console</h1>
    <form onSubmit=${(e: Event) => void submit(e)} novalidate>
      <fieldset>
        <legend>Sign in with</legend>
        <label><input type="radio" name="mode" checked=${mode === 'key'} onChange=${() => setMode('key')} /> a workspace secret key</label><br />
        <label><input type="radio" name="mode" checked=${mode === 'admin'} onChange=${() => setMode('admin')} /> the admin token</label>
      </fieldset>
      ${mode === 'key'
        ? html`<${Field} id="secret_key" label="Secret key" type="password" value=${secretKey} onValue=${setSecretKey} errors=${fieldErrorsOf(error, 'secret_key')} hint="sk_… — sent once to open a session, never stored" required=${true} />`
        : html`<${Field} id="admin_token" label="Admin token" type="password" value=${adminToken} onValue=${setAdminToken} errors=${fieldErrorsOf(error, 'admin_token')} required=${true} />
            <${Field} id="workspace_id" label="Workspace id" value=${workspaceId} onValue=${setWorkspaceId} errors=${fieldErrorsOf(error, 'workspace_id')} hint="ws_…" required=${true} />`}
      <${ErrorNote} error=${formErrorOf(error, fields)} />
      <button type="submit" disabled=${busy}>Sign in</button>
    </form>
  </div>`;
}
