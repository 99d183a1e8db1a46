import { forgetIngestCredentials } from '../ingest/ingest-key-cache';
import { newIdentitySecret } from './identity-verification';
import { workspaceRepository } from './workspace.repository';

/**
 * Replaces the identity-verification secret: hashes made with the old one stop verifying, in this
 * API process at once and in others within INGEST_KEY_CACHE_TTL (their cached credentials expire).
 */
export async function rotateIdentitySecret(input: { workspaceId: string }): Promise<string> {
  const secret = await workspaceRepository.setIdentitySecret(input.workspaceId, newIdentitySecret(), 'rotate');
  if (!secret) throw new Error(`workspace ${input.workspaceId} vanished while rotating its identity secret`);
  forgetIngestCredentials();
  return secret;
}
