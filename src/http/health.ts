import type { FastifyInstance } from 'fastify';
import type { FaxAvailability } from '../fax/faxAddon.js';
import type { Store } from '../store/Store.js';

export interface HealthDeps {
  isEngineConnected(): boolean;
  store: Store;
  /** Whether fax reception works here (the spandsp addon is built); reported, never a failure. */
  fax?: () => FaxAvailability;
}

export interface HealthReport {
  status: 'ok' | 'fail';
  engine: { connected: boolean };
  store: { reachable: boolean };
  fax?: FaxAvailability;
}

/**
 * What /health reports: the app's SIP engine connection (embedded or drachtio-server) and the
 * store; also whether fax works, which does not fail the check (the rest of the platform runs).
 */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const connected = deps.isEngineConnected();
  const reachable = await deps.store.ping();
  return {
    status: connected && reachable ? 'ok' : 'fail',
    engine: { connected },
    store: { reachable },
    ...(deps.fax ? { fax: deps.fax() } : {}),
  };
}

/** GET /health: 200 when every part is up, 503 (same body shape) when one is not, for load balancers. */
export function registerHealthRoute(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/health', async (_req, reply) => {
    const report = await checkHealth(deps);
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
}
