import type { FastifyInstance } from 'fastify';
import type { FaxAvailability } from '../fax/faxAddon.js';
import type { Store } from '../store/Store.js';

export interface HealthDeps {
  isEngineConnected(): boolean;
  store: Store;
  /** Whether fax reception works here (the spandsp addon is built); reported, never a failure. */
  fax?: () => FaxAvailability;
  /** The mail outbox's backlog: mails waiting for delivery and in the dead-letter folder; reported, never a failure. */
  mail?: () => Promise<MailBacklog>;
}

export interface MailBacklog {
  pending: number;
  dead: number;
}

export interface HealthReport {
  status: 'ok' | 'fail';
  engine: { connected: boolean };
  store: { reachable: boolean };
  fax?: FaxAvailability;
  mail?: MailBacklog;
}

/**
 * What /health reports: the app's SIP engine connection (embedded or drachtio-server) and the
 * store; also whether fax works and the mail outbox's backlog, neither of which fails the check
 * (calls go on; mail waits on disk, and dead letters are an alert for a person, not an outage).
 */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const connected = deps.isEngineConnected();
  const reachable = await deps.store.ping();
  return {
    status: connected && reachable ? 'ok' : 'fail',
    engine: { connected },
    store: { reachable },
    ...(deps.fax ? { fax: deps.fax() } : {}),
    ...(deps.mail ? { mail: await deps.mail() } : {}),
  };
}

/** GET /health: 200 when every part is up, 503 (same body shape) when one is not, for load balancers. */
export function registerHealthRoute(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/health', async (_req, reply) => {
    const report = await checkHealth(deps);
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
}
