import { z } from 'zod';
import { publicUrl } from '../../core/platform/config';
import { AppError } from '../../core/platform/errors';
import { csrfTokenFor } from '../../core/platform/session-secrets';
import { resolveConsoleSession, signOutConsole } from '../../core/console/resolve-console-session';
import { signInConsole } from '../../core/console/sign-in-console';
import type { WorkspaceDoc } from '../../core/workspaces/workspace.model';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { errorResponseSchema, isoDate } from '../http/common-schemas';
import { clearedSessionCookie, CONSOLE_COOKIE, sessionCookie } from '../http/session-cookie';
import { AuthFailureLimiter } from '../middleware/auth-failure-limiter';
import { assertConsoleCsrf, consoleCookieOf } from './console-auth';

const signInBody = z
  .object({
    secret_key: z.string().min(1).max(200).optional().meta({ description: 'A secret key (sk_…) of the workspace to open' }),
    admin_token: z.string().min(1).max(500).optional().meta({ description: 'SIGNALBOX_ADMIN_TOKEN: opens any workspace (with workspace_id)' }),
    workspace_id: z.string().min(1).max(100).optional().meta({ description: 'With admin_token: the workspace to open' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (!body.secret_key && !body.admin_token) ctx.addIssue({ code: 'custom', path: ['secret_key'], message: 'Give a secret key (or an admin token and a workspace id)' });
    if (body.secret_key && body.admin_token) ctx.addIssue({ code: 'custom', path: ['admin_token'], message: 'Give either a secret key or an admin token, not both' });
    if (body.admin_token && !body.workspace_id) ctx.addIssue({ code: 'custom', path: ['workspace_id'], message: 'Required with an admin token' });
  });

const sessionSchema = z
  .object({
    workspace: z.object({ id: z.string(), name: z.string() }),
    admin: z.boolean().meta({ description: 'Signed in with the admin token' }),
    csrf_token: z.string().meta({ description: 'Send as the `x-csrf-token` header on every write the console makes' }),
    expires_at: isoDate,
  })
  .meta({ id: 'ConsoleSession' });

const configSchema = z.object({
  temporal_ui_url: z.string().nullable().meta({ description: 'TEMPORAL_UI_URL: where workflow links point (null: none configured)' }),
  temporal_namespace: z.string(),
});

const sessionView = (sessionId: string, workspace: WorkspaceDoc, admin: boolean, expiresAt: Date): z.infer<typeof sessionSchema> => ({
  workspace: { id: workspace._id, name: workspace.name },
  admin,
  csrf_token: csrfTokenFor(sessionId, 'console'),
  expires_at: expiresAt.toISOString(),
});

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * The console's sign-in (`/console/api/session`). Past it, the console calls the same `/api/v1`
 * routes as any client, its cookie standing in for the key (see authenticateConsole).
 */
export function registerConsoleSessionRoutes(api: ApiRouter, deps: ApiDeps): void {
  const secureCookie = publicUrl(deps.config).startsWith('https:');
  const failures = new AuthFailureLimiter(deps.config.AUTH_FAILURES_PER_IP_PER_MINUTE);
  const common = { tags: ['Console'], auth: 'none' } as const;

  api.route({
    ...common,
    method: 'post',
    path: '/session',
    summary: 'Sign in to the console',
    description: 'Checks a secret key (or the admin token and a workspace id) once and sets an HttpOnly, SameSite=Strict session cookie for 12 hours; the browser never keeps the key. Revoking the key ends its sessions.',
    body: signInBody,
    responses: { 200: { description: 'Signed in: cookie set', schema: sessionSchema }, 401: { description: 'Wrong key or token', schema: errorResponseSchema }, 429: { description: 'Too many failed sign-ins from this address', schema: errorResponseSchema } },
    handler: async ({ body, req, res }) => {
      await failures.assertMayTry(req, (name, value) => res.setHeader(name, value));
      const credentials = body.admin_token ? { adminToken: body.admin_token, workspaceId: body.workspace_id ?? '' } : { secretKey: body.secret_key ?? '' };
      const signedIn = await signInConsole(deps, credentials).catch(async (err: unknown) => {
        if (err instanceof AppError && err.code === 'unauthorized') await failures.recordFailure(req);
        throw err;
      });
      const headers = { ...NO_STORE, 'set-cookie': sessionCookie(CONSOLE_COOKIE, signedIn.sessionId, signedIn.expiresAt, { secure: secureCookie }) };
      return { status: 200, body: sessionView(signedIn.sessionId, signedIn.workspace, signedIn.admin, signedIn.expiresAt), headers };
    },
  });

  api.route({
    ...common,
    method: 'get',
    path: '/session',
    summary: 'The console session',
    description: 'Who is signed in, and the CSRF token its writes must send. 401 when not signed in.',
    responses: { 200: { description: 'Signed in', schema: sessionSchema }, 401: { description: 'Not signed in', schema: errorResponseSchema } },
    handler: async ({ req }) => {
      const sessionId = consoleCookieOf(req);
      const { session, workspace } = await resolveConsoleSession(deps, { sessionId });
      return { status: 200, body: sessionView(sessionId as string, workspace, !session.keyId, session.expiresAt), headers: NO_STORE };
    },
  });

  api.route({
    ...common,
    method: 'delete',
    path: '/session',
    summary: 'Sign out of the console',
    description: 'Ends the session at once (needs `x-csrf-token`) and clears the cookie.',
    responses: { 204: { description: 'Signed out' }, 401: { description: 'Not signed in', schema: errorResponseSchema }, 403: { description: '`csrf_failed`', schema: errorResponseSchema } },
    handler: async ({ req }) => {
      const sessionId = consoleCookieOf(req);
      await resolveConsoleSession(deps, { sessionId });
      assertConsoleCsrf(req, sessionId as string);
      await signOutConsole(deps, { sessionId: sessionId as string });
      return { status: 204, headers: { ...NO_STORE, 'set-cookie': clearedSessionCookie(CONSOLE_COOKIE, { secure: secureCookie }) } };
    },
  });

  api.route({
    ...common,
    method: 'get',
    path: '/config',
    summary: 'Console settings',
    description: 'Where the console links workflows to (the Temporal UI). Needs a console session.',
    responses: { 200: { description: 'Settings', schema: configSchema }, 401: { description: 'Not signed in', schema: errorResponseSchema } },
    handler: async ({ req }) => {
      await resolveConsoleSession(deps, { sessionId: consoleCookieOf(req) });
      return { status: 200, body: { temporal_ui_url: deps.config.TEMPORAL_UI_URL ?? null, temporal_namespace: deps.config.TEMPORAL_NAMESPACE } };
    },
  });
}
