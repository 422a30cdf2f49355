import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import type { Store } from '../store/Store.js';
import { registerHealthRoute } from './health.js';
import { collectProcessMetrics, registry } from './metrics.js';

export interface HttpServerDeps {
  isEngineConnected(): boolean;
  store: Store;
  logger: Logger;
}

/** The HTTP server on HTTP_PORT: /health and /metrics now; the API issues add their routes. */
export function buildHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance's default generic type.
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Health checks and scrapes arrive every few seconds; a line per request would drown the log.
    logController: new LogController({
      disableRequestLogging: (req) => req.url === '/health' || req.url === '/metrics',
    }),
  });
  registerHealthRoute(app, deps);
  collectProcessMetrics();
  app.get('/metrics', async (_req, reply) => {
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
  return app;
}
