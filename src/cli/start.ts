import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { startApp, type RunningApp } from '../app/startApp.js';
import type { Config } from '../config.js';
import { buildHttpServer } from '../http/server.js';
import type { Logger } from '../logger.js';
import { openStore } from '../store/openStore.js';
import { SecretBox, loadSecretKey } from '../store/secrets.js';
import type { Store } from '../store/Store.js';
import { registerEngineMetrics } from '../http/engineMetrics.js';
import { EngineProcess } from './EngineProcess.js';
import { waitForPort } from './waitForPort.js';

/** How long the engine child may take to open its control port at start. */
const ENGINE_START_TIMEOUT_MS = 15_000;
const HTTP_HOST = '0.0.0.0';

export interface Running {
  /** One line saying what the process listens on. */
  summary: string;
  stop(): Promise<void>;
}

/**
 * `contactsuite start`: the embedded engine (a child process, see EngineProcess for why) unless
 * DRACHTIO_HOST names a drachtio-server, then the app against it, then the HTTP server. Whatever
 * was started is stopped again if a later step fails.
 */
export async function startContactSuite(config: Config, logger: Logger): Promise<Running> {
  const stops: Array<() => Promise<void>> = [];
  let engine: EngineProcess | undefined;
  const stopAll = async (): Promise<void> => {
    engine?.holdRestarts();
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'error while stopping');
      }
    }
    stops.length = 0;
  };

  try {
    await mkdir(config.dataDir, { recursive: true });
    let drachtio = config.drachtio;
    let controlText: string;
    if (!drachtio) {
      engine = new EngineProcess({ command: process.execPath, args: engineArgs(config), logger });
      const child = engine;
      const firstExit = child.nextExit();
      child.start();
      stops.push(() => child.stop());
      drachtio = { host: config.engine.controlHost, port: config.engine.controlPort, secret: config.engine.secret };
      await waitForPort(drachtio.host, drachtio.port, ENGINE_START_TIMEOUT_MS, firstExit).catch((err: Error) => {
        throw new Error(`the embedded engine did not start: ${err.message}`);
      });
      controlText = `control ${drachtio.host}:${drachtio.port} (embedded engine, pid ${child.pid})`;
      registerEngineMetrics(() => child.stats);
    } else {
      controlText = `drachtio-server ${drachtio.host}:${drachtio.port}`;
    }

    const store: Store = await openStore(config.redisUrl, logger);
    stops.push(() => store.close());

    const secretKey = await loadSecretKey({ keyHex: config.secretsKey, dataDir: config.dataDir, logger });
    const secrets = new SecretBox(secretKey);
    const sipSettings = {
      domain: config.sipDomain,
      register: config.register,
      authThrottle: config.authThrottle,
      ...(config.trunk ? { trunk: config.trunk } : {}),
    };
    const app: RunningApp = await startApp({ drachtio, logger, store, secrets, secretKey, sip: sipSettings });
    stops.push(() => app.stop());

    const http: FastifyInstance = buildHttpServer({
      isEngineConnected: app.isConnected,
      store,
      logger,
      api: { store, secrets, platformToken: config.adminToken, logger, sip: { domain: config.sipDomain, port: config.sip.port } },
    });
    await http.listen({ host: HTTP_HOST, port: config.httpPort });
    stops.push(() => http.close());

    const sip = app.sipHostports().join(', ') || '(none announced)';
    const storeText = config.redisUrl ? 'redis' : 'memory';
    const summary = `contactsuite listening: sip ${sip}; ${controlText}; http ${HTTP_HOST}:${config.httpPort}; store ${storeText}`;
    logger.info(
      { sip: app.sipHostports(), control: `${drachtio.host}:${drachtio.port}`, http: `${HTTP_HOST}:${config.httpPort}`, store: storeText },
      'contactsuite started',
    );
    return { summary, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The command line of the engine child: this same CLI (and, under tsx, the same loader flags). */
function engineArgs(config: Config): string[] {
  const host = config.sip.host.includes(':') ? `[${config.sip.host}]` : config.sip.host;
  return [
    ...process.execArgv,
    process.argv[1],
    'engine',
    '--sip',
    `udp:${host}:${config.sip.port}`,
    '--sip',
    `tcp:${host}:${config.sip.port}`,
    '--control',
    `${config.engine.controlHost}:${config.engine.controlPort}`,
    '--secret',
    config.engine.secret,
    '--log-level',
    config.logLevel,
  ];
}
