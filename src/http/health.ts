import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/Store.js';

export interface HealthDeps {
  isEngineConnected(): boolean;
  store: Store;
}

export interface HealthReport {
  status: 'ok' | 'fail';
  engine: { connected: boolean };
  store: { reachable: boolean };
}

/** What /health reports: the app's SIP engine connection (embedded or drachtio-server) and the store. */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const connected = deps.isEngineConnected();
  const reachable = await deps.store.ping();
  return {
    status: connected && reachable ? 'ok' : 'fail',
    engine: { connected },
    store: { reachable },
  };
}

/** GET /health: 200 when every part is up, 503 (same body shape) when one is not, for load balancers. */
export function registerHealthRoute(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/health', async (_req, reply) => {
    const report = await checkHealth(deps);
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
}
