import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { sameSecret } from '../platform/same-secret';
import { hashSessionSecret, newSessionSecret } from '../platform/session-secrets';
import { hashApiKey, isWellFormedApiKey } from '../workspaces/api-keys';
import { apiKeyRepository } from '../workspaces/api-key.repository';
import type { WorkspaceDoc } from '../workspaces/workspace.model';
import { workspaceRepository } from '../workspaces/workspace.repository';
import { consoleSessionRepository } from './console-session.repository';

/** A console session lasts a working day; the secret key behind it is re-checked on every request. */
const CONSOLE_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** A workspace's secret key, or the admin token with the workspace to open (the admin may open any). */
export type ConsoleCredentials = { secretKey: string } | { adminToken: string; workspaceId: string };

export interface ConsoleSignIn {
  sessionId: string;
  workspace: WorkspaceDoc;
  admin: boolean;
  expiresAt: Date;
}

const INVALID_KEY = 'Invalid secret key: sign in with a workspace secret key (sk_…)';

/** Checks the credentials once and opens a session: the browser keeps only the session cookie, never the key. */
export async function signInConsole(deps: Deps, credentials: ConsoleCredentials, now = new Date()): Promise<ConsoleSignIn> {
  const { workspace, keyId } = 'secretKey' in credentials ? await bySecretKey(credentials.secretKey) : await byAdminToken(deps, credentials);
  const sessionId = newSessionSecret();
  const expiresAt = new Date(now.getTime() + CONSOLE_SESSION_TTL_MS);
  await consoleSessionRepository.insert({ _id: hashSessionSecret(sessionId), workspaceId: workspace._id, keyId, expiresAt });
  return { sessionId, workspace, admin: keyId === null, expiresAt };
}

async function bySecretKey(secretKey: string): Promise<{ workspace: WorkspaceDoc; keyId: string }> {
  if (!isWellFormedApiKey(secretKey)) throw new AppError('unauthorized', INVALID_KEY);
  const key = await apiKeyRepository.findByHash(hashApiKey(secretKey));
  if (!key || key.revokedAt || key.kind !== 'secret') throw new AppError('unauthorized', INVALID_KEY);
  const workspace = await workspaceRepository.findByIdCached(key.workspaceId);
  if (!workspace) throw new AppError('unauthorized', INVALID_KEY);
  return { workspace, keyId: key._id };
}

async function byAdminToken(deps: Deps, { adminToken, workspaceId }: { adminToken: string; workspaceId: string }): Promise<{ workspace: WorkspaceDoc; keyId: null }> {
  const expected = deps.config.SIGNALBOX_ADMIN_TOKEN;
  if (!expected) throw new AppError('forbidden', 'Admin sign-in is disabled: set SIGNALBOX_ADMIN_TOKEN to enable it');
  if (!sameSecret(adminToken, expected)) throw new AppError('unauthorized', 'Invalid admin token');
  const workspace = await workspaceRepository.findById(workspaceId);
  if (!workspace) throw AppError.notFound('Workspace');
  return { workspace, keyId: null };
}
