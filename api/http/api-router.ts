import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { ApiKeyScope } from '../../core/workspaces/scopes';
import { errorResponseSchema } from './common-schemas';
import { parseInput } from './validate';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/**
 * `ingest`: any key with the ingest scope, token also accepted in the body, cached lookup, in-memory limits.
 * `portal`: the subscriber portal's session cookie (and `x-csrf-token` on writes); no API key.
 * `key` and `secret` also take the console's session cookie in place of the key (`x-csrf-token` on writes).
 */
export type AuthMode = 'none' | 'key' | 'secret' | 'admin' | 'ingest' | 'portal';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Express-style path relative to the router, e.g. `/webhooks/:id`. */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  auth: AuthMode;
  /** Scope the key must have (publishable keys only ever have `ingest`). */
  scope?: ApiKeyScope;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult>;
}

export interface Guards {
  authenticate: (mode: Exclude<AuthMode, 'none'>, scope?: ApiKeyScope) => RequestHandler[];
}

const standardErrors: Record<number, string> = {
  400: 'Validation failed; `details` maps each field to its problems',
  401: 'Missing, malformed, unknown or revoked credentials',
  429: 'Rate limit exceeded; see Retry-After',
};

/**
 * One place where a route is declared: the same spec mounts the Express handler (with zod
 * validation of params, query and body) and documents the path in the OpenAPI registry.
 */
export class ApiRouter {
  readonly router = Router();

  constructor(
    private readonly registry: OpenAPIRegistry,
    private readonly basePath: string,
    private readonly guards: Guards,
  ) {}

  route<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(spec: RouteSpec<P, Q, B>): void {
    this.document(spec);
    const guards = spec.auth === 'none' ? [] : this.guards.authenticate(spec.auth, spec.scope);
    const handle = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      try {
        const input = {
          params: spec.params ? parseInput(spec.params, req.params, 'params') : req.params,
          query: spec.query ? parseInput(spec.query, req.query, 'query') : req.query,
          body: spec.body ? parseInput(spec.body, req.body ?? {}, 'body') : undefined,
          req,
          res,
        } as RouteInput<z.output<P>, z.output<Q>, z.output<B>>;
        const result = await spec.handler(input);
        for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
        if (result.body === undefined) res.status(result.status).end();
        else res.status(result.status).json(result.body);
      } catch (err) {
        next(err);
      }
    };
    this.router[spec.method](spec.path, ...guards, handle);
  }

  private document(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>): void {
    const responses: RouteConfig['responses'] = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[status] = r.schema ? { description: r.description, content: { 'application/json': { schema: r.schema } } } : { description: r.description };
    }
    const errorStatuses = [...(spec.body || spec.query || spec.params ? [400] : []), ...(spec.auth === 'none' ? [] : [401, 429])];
    for (const status of errorStatuses) {
      responses[status] ??= { description: standardErrors[status], content: { 'application/json': { schema: errorResponseSchema } } };
    }
    this.registry.registerPath({
      method: spec.method,
      path: (this.basePath + spec.path).replace(/:(\w+)/g, '{$1}'),
      summary: spec.summary,
      description: spec.description,
      tags: [...spec.tags],
      security: securityFor(spec.auth),
      request: {
        // Route params and queries are always zod objects; the registry's type says so.
        params: spec.params as RequestParts['params'],
        query: spec.query as RequestParts['query'],
        body: spec.body ? { content: { 'application/json': { schema: spec.body } } } : undefined,
      },
      responses,
    });
  }
}

type RequestParts = NonNullable<RouteConfig['request']>;

function securityFor(auth: AuthMode): RouteConfig['security'] {
  switch (auth) {
    case 'none':
      return [];
    case 'admin':
      return [{ adminToken: [] }];
    case 'portal':
      return [{ portalSession: [] }];
    case 'secret':
    case 'key':
      return [{ bearerAuth: [] }, { apiKeyHeader: [] }, { consoleSession: [] }];
    default:
      return [{ bearerAuth: [] }, { apiKeyHeader: [] }];
  }
}
