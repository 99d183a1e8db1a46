/** The console's two API bases: its session (/console/api) and the public API (/api/v1) its cookie opens. */
import { createApiClient } from '../shared/api-client';
import type { WorkflowLink } from '../shared/webhook-views';

export const v1 = createApiClient('/api/v1');
export const consoleApi = createApiClient('/console/api');

export interface ConsoleSession {
  workspace: { id: string; name: string };
  admin: boolean;
  csrf_token: string;
  expires_at: string;
}

export interface ConsoleConfig {
  temporal_ui_url: string | null;
  temporal_namespace: string;
}

/** Writes from either client carry the session's CSRF token. */
export function useSessionTokens(session: ConsoleSession | null): void {
  v1.setCsrf(session?.csrf_token ?? null);
  consoleApi.setCsrf(session?.csrf_token ?? null);
}

/** `<ui>/namespaces/<ns>/workflows/<workflowId>`, or no link when the Temporal UI is not configured. */
export function workflowLinker(config: ConsoleConfig | null): WorkflowLink {
  return (workflowId) => {
    if (!config?.temporal_ui_url) return null;
    return `${config.temporal_ui_url.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(config.temporal_namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  };
}
