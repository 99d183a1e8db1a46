import { generateApiKey, type ApiKeyKind } from './api-keys';
import { AppError } from '../platform/errors';
import type { Deps } from '../platform/deps';
import { newId } from '../platform/ids';
import type { ApiKeyDoc } from './api-key.model';
import { apiKeyRepository } from './api-key.repository';
import { workspaceRepository } from './workspace.repository';
import type { ApiKeyScope } from './scopes';

export interface CreateApiKeyInput {
  workspaceId: string;
  kind: ApiKeyKind;
  name?: string;
  scopes?: ApiKeyScope[];
}

/** Creates a key and returns its plaintext, which exists only in this return value. */
export async function createApiKey(_deps: Deps, input: CreateApiKeyInput): Promise<{ key: ApiKeyDoc; plaintext: string }> {
  const workspace = await workspaceRepository.findById(input.workspaceId);
  if (!workspace) throw AppError.notFound('Workspace');
  const generated = generateApiKey(input.kind);
  const key = await apiKeyRepository.insert({
    _id: newId('key', 16),
    workspaceId: workspace._id,
    kind: input.kind,
    name: input.name ?? `${input.kind} key`,
    hash: generated.hash,
    displayPrefix: generated.displayPrefix,
    scopes: input.kind === 'publishable' ? ['ingest'] : (input.scopes ?? []),
  });
  return { key, plaintext: generated.plaintext };
}
