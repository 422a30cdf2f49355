/*
 * An embedded engine on free loopback ports with one drachtio-srf app connected to it: what
 * every SIP-level test starts from. E2E_LOG_LEVEL=debug shows the engine's logs.
 */
import type Srf from 'drachtio-srf';
import { Engine } from '../../src/engine/Engine.js';
import { createLogger } from '../../src/logger.js';
import { freePort } from './ports.js';
import { connectSrf } from './srf.js';

export interface EngineWithApp {
  engine: Engine;
  srf: Srf;
  /** The engine's SIP port (UDP, and TCP when asked for). */
  sipPort: number;
  controlPort: number;
  secret: string;
}

export async function startEngineWithApp(opts: { secret: string; tcp?: boolean }): Promise<EngineWithApp> {
  const sipPort = await freePort();
  const controlPort = await freePort();
  const { secret } = opts;
  const engine = new Engine({
    sip: [
      { protocol: 'udp', host: '127.0.0.1', port: sipPort },
      ...(opts.tcp ? [{ protocol: 'tcp' as const, host: '127.0.0.1', port: sipPort }] : []),
    ],
    control: { host: '127.0.0.1', port: controlPort, secret },
    logger: createLogger(process.env.E2E_LOG_LEVEL ?? 'silent', 'engine'),
  });
  await engine.start();
  try {
    const srf = await connectSrf(controlPort, secret);
    return { engine, srf, sipPort, controlPort, secret };
  } catch (err) {
    await engine.stop();
    throw err;
  }
}
