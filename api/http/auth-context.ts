import type { Response } from 'express';
import type { ApiKeyDoc } from '../../core/workspaces/api-key.model';
import type { WorkspaceDoc } from '../../core/workspaces/workspace.model';

/** Who is calling: set by the authentication middleware, read by routes. Never from the request body. */
export interface AuthContext {
  workspace: WorkspaceDoc;
  key: ApiKeyDoc;
}

export function authOf(res: Response): AuthContext {
  const auth = res.locals.auth as AuthContext | undefined;
  if (!auth) throw new Error('route reached without authentication');
  return auth;
}
