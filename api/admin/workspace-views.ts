import { z } from 'zod';
import { apiKeyKinds } from '../../core/workspaces/api-keys';
import { plans } from '../../core/events/event-catalogue';
import type { ApiKeyDoc } from '../../core/workspaces/api-key.model';
import type { WorkspaceDoc } from '../../core/workspaces/workspace.model';
import { apiKeyScopes } from '../../core/workspaces/scopes';
import { isoDate } from '../http/common-schemas';

export const workspaceViewSchema = z
  .object({
    id: z.string().meta({ example: 'ws_3kTqP0bWm9XcA1Lz' }),
    name: z.string().meta({ example: 'Acme Inc.' }),
    plan: z.enum(plans),
    entitledEventTypes: z.array(z.string()),
    rateLimits: z.object({ perMinute: z.number().int().optional(), perDay: z.number().int().optional() }),
    provisionedAt: isoDate.nullable(),
    createdAt: isoDate,
  })
  .meta({ id: 'Workspace' });

export const apiKeyViewSchema = z
  .object({
    id: z.string().meta({ example: 'key_Qw8rT2yU4iO6pA9s' }),
    workspaceId: z.string(),
    kind: z.enum(apiKeyKinds),
    name: z.string(),
    prefix: z.string().meta({ description: 'First characters of the key, for recognising it', example: 'sk_Ab3dE' }),
    scopes: z.array(z.enum(apiKeyScopes)).meta({ description: 'Empty: every scope the kind allows' }),
    createdAt: isoDate,
    lastUsedAt: isoDate.nullable(),
    revokedAt: isoDate.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const createdApiKeySchema = apiKeyViewSchema
  .extend({ key: z.string().meta({ description: 'The full key. Shown only in this response; store it now.' }) })
  .meta({ id: 'CreatedApiKey' });

export function workspaceView(doc: WorkspaceDoc): z.infer<typeof workspaceViewSchema> {
  return {
    id: doc._id,
    name: doc.name,
    plan: doc.plan,
    entitledEventTypes: doc.entitledEventTypes,
    rateLimits: { perMinute: doc.rateLimits?.perMinute ?? undefined, perDay: doc.rateLimits?.perDay ?? undefined },
    provisionedAt: doc.provisionedAt?.toISOString() ?? null,
    createdAt: doc.createdAt.toISOString(),
  };
}

export function apiKeyView(doc: ApiKeyDoc): z.infer<typeof apiKeyViewSchema> {
  return {
    id: doc._id,
    workspaceId: doc.workspaceId,
    kind: doc.kind,
    name: doc.name,
    prefix: doc.displayPrefix,
    scopes: doc.scopes,
    createdAt: doc.createdAt.toISOString(),
    lastUsedAt: doc.lastUsedAt?.toISOString() ?? null,
    revokedAt: doc.revokedAt?.toISOString() ?? null,
  };
}
