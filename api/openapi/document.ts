import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A workspace key: `Authorization: Bearer sk_…` (or `Token sk_…`). Publishable `pk_…` keys may only ingest.',
  });
  registry.registerComponent('securitySchemes', 'apiKeyHeader', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  registry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: 'SIGNALBOX_ADMIN_TOKEN' });
  registry.registerComponent('securitySchemes', 'portalSession', {
    type: 'apiKey',
    in: 'cookie',
    name: 'signalbox_portal',
    description: 'Subscriber portal session, set by GET /portal/{token}; writes also need the `x-csrf-token` header from GET /portal/api/session',
  });
  registry.registerComponent('securitySchemes', 'consoleSession', {
    type: 'apiKey',
    in: 'cookie',
    name: 'signalbox_console',
    description: 'The web console: set by POST /console/api/session (sign-in with a secret key or the admin token); acts as that key on every route a secret key may call. Writes also need the `x-csrf-token` header from GET /console/api/session',
  });
  return registry;
}

export function generateDocument(registry: OpenAPIRegistry, serverUrl: string, version: string): object {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Signalbox API',
      version,
      description:
        'First-party go-to-market data: ingest, visitors, leads, companies, orders and durable signed webhooks. ' +
        'Errors are JSON `{ error, code, details? }`; every response carries `X-Request-Id` and key-authenticated ones `X-RateLimit-*`.',
      license: { name: 'Apache-2.0' },
    },
    servers: [{ url: serverUrl }],
  });
}
