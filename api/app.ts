import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { publicUrl } from '../core/platform/config';
import { MAX_BATCH_BYTES } from '../core/ingest/ingest-schemas';
import { version } from '../core/platform/version';
import { requestLogLevel } from '../core/platform/logger';
import type { ApiDeps } from './deps';
import { ApiRouter } from './http/api-router';
import { createAuthenticator } from './middleware/authenticate';
import { createErrorHandler, notFoundHandler, requireBodyType, requireJsonBody } from './middleware/error-handler';
import { ingestCors } from './middleware/ingest-guard';
import { jsonShapeGuard } from './middleware/json-shape-guard';
import { assignRequestId, requestIdOf } from './middleware/request-id';
import { createRegistry, generateDocument } from './openapi/document';
import { registerAdminRoutes } from './admin/admin.routes';
import { registerHealthRoutes } from './health/health.routes';
import { registerEventRoutes } from './events/events.routes';
import { registerFailedEventRoutes } from './events/failed-events.routes';
import { registerIngestDataSchemas, registerIngestRoutes } from './ingest/ingest.routes';
import { registerIdentityVerificationRoutes } from './account/identity-verification.routes';
import { registerMeRoute } from './account/me.route';
import { registerVisitorWriteRoutes } from './visitors/visitor-writes.routes';
import { registerDeliveryRoutes } from './webhooks/deliveries.routes';
import { registerWebhookRoutes } from './webhooks/webhooks.routes';
import { registerCompanyRoutes } from './companies/companies.routes';
import { registerLeadRoutes } from './leads/leads.routes';
import { registerScoringRoutes } from './scoring/scoring.routes';
import { registerSegmentRoutes } from './segments/segments.routes';
import { registerEnrichmentRoutes } from './enrichment/enrichment.routes';
import { registerOrderRoutes } from './orders/orders.routes';
import { registerParkedEventRoutes } from './parked-events/parked-events.routes';
import { registerVisitorRoutes } from './visitors/visitors.routes';
import { registerTrackerRoutes } from './tracker/tracker.routes';
import { registerWebRoutes } from './web/web.routes';
import { registerPortalRoutes } from './portal/portal.routes';
import { registerPortalSessionRoutes } from './portal/portal-session.routes';
import { registerApiKeyRoutes } from './account/api-keys.routes';
import { registerConsoleSessionRoutes } from './console/console-session.routes';
import { registerStatsRoutes } from './stats/stats.routes';

/** Builds the Express app: one error model, request ids, auth + rate limits per route, OpenAPI from zod. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.TRUST_PROXY_HOPS);
  app.set('query parser', 'simple');

  app.use(assignRequestId);
  app.use(pinoHttp({ logger: deps.logger, genReqId: (req) => requestIdOf(req as express.Request), quietReqLogger: true, customLogLevel: (_req, res, err) => requestLogLevel(deps.config.NODE_ENV, res.statusCode, err), autoLogging: { ignore: (req) => req.url === '/healthz' } }));
  registerTrackerRoutes(app, deps.logger);
  // Before the portal router: /portal/ and /portal/assets/… are pages, /portal/:token is a link.
  registerWebRoutes(app, deps.logger);
  // Ingest first: CORS for browsers, and text/plain bodies too (navigator.sendBeacon cannot set JSON).
  const ingestBodyTypes = ['application/json', 'application/*+json', 'text/plain'];
  app.use('/api/v1/ingest', ingestCors, requireBodyType(ingestBodyTypes), express.json({ limit: MAX_BATCH_BYTES + 16 * 1024, type: ingestBodyTypes }));
  app.use(requireJsonBody);
  app.use(express.json({ limit: deps.config.MAX_BODY_BYTES, type: ['application/json', 'application/*+json'] }));
  app.use(jsonShapeGuard);

  const registry = createRegistry();
  registerIngestDataSchemas(registry);
  const guards = createAuthenticator(deps);

  const root = new ApiRouter(registry, '', guards);
  registerHealthRoutes(root, deps);

  const v1 = new ApiRouter(registry, '/api/v1', guards);
  registerMeRoute(v1);
  registerApiKeyRoutes(v1, deps);
  registerIdentityVerificationRoutes(v1);
  registerIngestRoutes(v1, deps);
  registerVisitorWriteRoutes(v1, deps);
  registerWebhookRoutes(v1, deps);
  registerEventRoutes(v1, deps);
  registerFailedEventRoutes(v1);
  registerDeliveryRoutes(v1, deps);
  registerStatsRoutes(v1, deps);
  registerVisitorRoutes(v1, deps);
  registerLeadRoutes(v1, deps);
  registerScoringRoutes(v1, deps);
  registerSegmentRoutes(v1, deps);
  registerEnrichmentRoutes(v1);
  registerOrderRoutes(v1, deps);
  registerCompanyRoutes(v1, deps);
  registerParkedEventRoutes(v1, deps);
  registerPortalSessionRoutes(v1, deps);

  const admin = new ApiRouter(registry, '/admin/v1', guards);
  registerAdminRoutes(admin, deps);

  const portal = new ApiRouter(registry, '/portal', guards);
  registerPortalRoutes(portal, deps);

  const consoleApi = new ApiRouter(registry, '/console/api', guards);
  registerConsoleSessionRoutes(consoleApi, deps);

  const openApiDocument = generateDocument(registry, publicUrl(deps.config), version);
  // Also read by scripts/generate-sdk.ts, which generates the server SDK's types from it.
  app.locals.openApiDocument = openApiDocument;
  v1.router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  app.use(root.router);
  app.use('/api/v1', v1.router);
  app.use('/admin/v1', admin.router);
  app.use('/portal', portal.router);
  app.use('/console/api', consoleApi.router);
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(undefined, { swaggerOptions: { url: '/api/v1/openapi.json' }, customSiteTitle: 'Signalbox API' }));

  app.use(notFoundHandler);
  app.use(createErrorHandler(deps.logger));
  return app;
}
