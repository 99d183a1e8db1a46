/**
 * What a key may do. A key with no scopes may do everything its kind allows; publishable
 * keys are always limited to ingest, whatever they list.
 */
import type { ApiKeyKind } from './api-keys';

export const apiKeyScopes = ['ingest', 'read', 'write', 'webhooks'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

const publishableScopes: readonly ApiKeyScope[] = ['ingest'];

export function keyAllows(kind: ApiKeyKind, scopes: readonly string[], needed: ApiKeyScope): boolean {
  if (kind === 'publishable' && !publishableScopes.includes(needed)) return false;
  return scopes.length === 0 || scopes.includes(needed);
}
