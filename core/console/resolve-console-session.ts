import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { hashSessionSecret, isWellFormedSessionSecret } from '../platform/session-secrets';
import type { ApiKeyDoc } from '../workspaces/api-key.model';
import { apiKeyRepository } from '../workspaces/api-key.repository';
import type { WorkspaceDoc } from '../workspaces/workspace.model';
import { workspaceRepository } from '../workspaces/workspace.repository';
import type { ConsoleSessionDoc } from './console-session.model';
import { consoleSessionRepository } from './console-session.repository';

export interface ConsoleIdentity {
  session: ConsoleSessionDoc;
  workspace: WorkspaceDoc;
  /** The secret key signed in with, or for the admin token a key-shaped stand-in with every scope. */
  key: ApiKeyDoc;
}

const SIGN_IN_AGAIN = 'No console session: sign in again';

/** The live session a console cookie names, with the workspace and key it acts as; otherwise a 401. */
export async function resolveConsoleSession(_deps: Deps, { sessionId, now = new Date() }: { sessionId: string | undefined; now?: Date }): Promise<ConsoleIdentity> {
  if (!sessionId || !isWellFormedSessionSecret(sessionId)) throw new AppError('unauthorized', SIGN_IN_AGAIN);
  const session = await consoleSessionRepository.findById(hashSessionSecret(sessionId));
  if (!session) throw new AppError('unauthorized', SIGN_IN_AGAIN);
  if (session.expiresAt <= now) throw new AppError('unauthorized', 'The console session has expired: sign in again');
  const workspace = await workspaceRepository.findByIdCached(session.workspaceId);
  if (!workspace) throw new AppError('unauthorized', SIGN_IN_AGAIN);
  if (session.keyId === null || session.keyId === undefined) return { session, workspace, key: adminStandIn(session) };
  const key = await apiKeyRepository.findInWorkspace(session.workspaceId, session.keyId);
  if (!key || key.revokedAt) throw new AppError('unauthorized', 'The key this console session signed in with was revoked: sign in again');
  return { session, workspace, key };
}

/** Signs the console out: the session is gone for every request after this one. */
export async function signOutConsole(_deps: Deps, { sessionId }: { sessionId: string }): Promise<void> {
  await consoleSessionRepository.delete(hashSessionSecret(sessionId));
}

function adminStandIn(session: ConsoleSessionDoc): ApiKeyDoc {
  const now = session.createdAt ?? new Date();
  return { _id: `console-admin-${session._id.slice(0, 12)}`, workspaceId: session.workspaceId, kind: 'secret', name: 'Admin token (console)', hash: '', displayPrefix: 'admin', scopes: [], createdAt: now, updatedAt: now } as ApiKeyDoc;
}
