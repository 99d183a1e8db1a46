import { forgetIngestCredentials } from '../ingest/ingest-key-cache';
import { newIdentitySecret } from './identity-verification';
import { workspaceRepository } from './workspace.repository';

/** The workspace's identity-verification secret, created first for a workspace made before it existed. */
export async function getIdentitySecret(input: { workspaceId: string }): Promise<string> {
  const secret = await workspaceRepository.setIdentitySecret(input.workspaceId, newIdentitySecret(), 'ifMissing');
  if (!secret) throw new Error(`workspace ${input.workspaceId} vanished while reading its identity secret`);
  // A secret created just now must verify on the next ingest, not after the credential cache expires.
  forgetIngestCredentials();
  return secret;
}
