import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { apiPlugin } from '../api/apiPlugin.js';
import type { ApiDeps } from '../api/ApiTypes.js';
import type { Logger } from '../logger.js';
import { isProvisioningUrl, PROVISIONING_PREFIX, provisioningPlugin, type ProvisioningDeps } from '../provisioning/provisioningServer.js';
import type { Store } from '../store/Store.js';
import { registerHealthRoute, type HealthDeps } from './health.js';
import { collectProcessMetrics, registry } from './metrics.js';
import type { TrustProxy } from './trustProxy.js';
import { registerWebApp } from './webApp.js';

export interface HttpServerDeps {
  isEngineConnected(): boolean;
  store: Store;
  logger: Logger;
  /** The admin REST API under /api/v1; left out, the server has only /health and /metrics. */
  api?: ApiDeps;
  /** The phone provisioning endpoint under /provisioning; left out, none. */
  provisioning?: ProvisioningDeps;
  /** Fax availability for /health (see HealthDeps). */
  fax?: HealthDeps['fax'];
  /** The mail outbox's backlog for /health (see HealthDeps). */
  mail?: HealthDeps['mail'];
  /** The admin web app at /app/ (src/http/webApp.ts): the built client's directory, or true for dist/web. */
  web?: { root?: string } | true;
  /** TRUST_PROXY: proxies whose X-Forwarded-For sets req.ip (src/http/trustProxy.ts); left out, none. */
  trustProxy?: TrustProxy;
}

/** The HTTP server on HTTP_PORT: /health, /metrics and the admin API under /api/v1. */
export function buildHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    // req.ip is the address the sign-in and provisioning brakes count; only a trusted proxy may name it.
    trustProxy: deps.trustProxy ?? false,
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance's default generic type.
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Health checks and scrapes arrive every few seconds; a line per request would drown the log.
    logController: new LogController({
      // Provisioning URLs may carry a secret (a softphone's link): that plugin logs without them.
      disableRequestLogging: (req) => req.url === '/health' || req.url === '/metrics' || isProvisioningUrl(req.url),
    }),
  });
  registerHealthRoute(app, deps);
  collectProcessMetrics();
  app.get('/metrics', async (_req, reply) => {
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
  if (deps.api) void app.register(apiPlugin(deps.api), { prefix: '/api/v1' });
  if (deps.provisioning) void app.register(provisioningPlugin(deps.provisioning), { prefix: PROVISIONING_PREFIX });
  if (deps.web) registerWebApp(app, deps.web === true ? undefined : deps.web.root);
  return app;
}
