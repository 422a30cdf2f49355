import Srf from 'drachtio-srf';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../store/secrets.js';
import type { Store } from '../store/StoreTypes.js';
import { answerOptions } from './options.js';
import type { NumberCalls } from '../calls/NumberCall.js';
import type { LiveCallList } from '../calls/LiveCallList.js';
import { buildSipServices, type SipServicesDeps, type SipSettings } from './sipServices.js';
import type { MessageWaiting } from '../voicemail/Mwi.js';
import { drainCalls, refuseWhileDraining } from './drain.js';

export interface AppOptions {
  /** The drachtio control port: the embedded engine's or a real drachtio-server's. */
  drachtio: { host: string; port: number; secret: string };
  logger: Logger;
  store: Store;
  secrets: SecretBox;
  /** The secrets key (SECRETS_KEY or the key file); digest nonces are signed with a key derived from it. */
  secretKey: Buffer;
  sip: SipSettings;
  /** Run calls to service numbers (src/calls/); unset: INVITEs go to the phones' router only. */
  numberCalls?: SipServicesDeps['numberCalls'];
  /** CDRs and the credit limit of calls from phones; unset: none. */
  phoneCalls?: SipServicesDeps['phoneCalls'];
  /** Message-waiting indication for voicemail (SUBSCRIBE message-summary, NOTIFY); unset: SUBSCRIBE is not served. */
  mwi?: MessageWaiting;
}

export interface RunningApp {
  srf: Srf;
  /** True while the control connection is up and authenticated; false while srf reconnects. */
  isConnected(): boolean;
  /** The SIP transports the server offers, as it announced them: `udp/127.0.0.1:5060`, … */
  sipHostports(): string[];
  /** The service-number call runtime, when enabled. */
  numberCalls?: NumberCalls;
  /** Calls in progress on this instance (number and phone calls, INVITEs being handled). */
  activeCalls(): number;
  /** What each call in progress is doing (GET /api/v1/calls/live). */
  liveCalls: LiveCallList;
  /**
   * Graceful shutdown, before stop(): leaves the server's INVITE rotation (new calls go to other
   * instances; any that still arrive get 503 with Retry-After), lets calls in progress go on for
   * up to `graceMs`, then hangs up the rest (src/app/drain.ts).
   */
  drain(graceMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** srf's route removal (sends remove_route), absent from its type declarations. */
interface SrfRoutes {
  unregisterForMessages(verb: string): void;
}

/** srf's reconnect backoff grows ×1.7 without bound unless capped; a restarted engine should be found within seconds. */
const RETRY_MAX_DELAY_MS = 2000;

/** The parts of srf's client internals stop() needs, absent from its type declarations. */
interface SrfWire {
  app?: { wp?: { closing?: boolean; reconnectVars?: { retryTimer?: NodeJS.Timeout | null } } };
}

/**
 * The default ContactSuite application on drachtio-srf. Resolves once connected and
 * authenticated; after that srf reconnects by itself whenever the connection drops (an engine
 * restart) and re-sends its routes. Rejects if the server refuses the secret, since retrying a
 * wrong secret cannot succeed.
 */
export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const logger = opts.logger.child({ component: 'app' });
  const srf = new Srf();
  let connected = false;
  let stopping = false;
  let hostports: string[] = [];

  // Handlers reach shared state through srf.locals, as drachtio-srf middleware conventionally does.
  srf.locals.store = opts.store;
  const services = buildSipServices({
    store: opts.store,
    secrets: opts.secrets,
    secretKey: opts.secretKey,
    settings: opts.sip,
    logger,
    ...(opts.numberCalls ? { numberCalls: opts.numberCalls } : {}),
    ...(opts.phoneCalls ? { phoneCalls: opts.phoneCalls } : {}),
    ...(opts.mwi ? { onRegistered: mwiOnRegistration(opts.mwi) } : {}),
  });
  srf.use('options', answerOptions);
  srf.use('register', services.register);
  let draining = false;
  srf.use('invite', (req, res, next) => (draining ? refuseWhileDraining(res) : services.invite(req, res, next)));
  if (opts.mwi) {
    opts.mwi.attach(srf, services.digest, services.throttle);
    srf.use('subscribe', opts.mwi.subscribe);
  }

  // While the server is down srf retries every ≤2 s; one warning per outage, the rest at debug.
  let outageReported = false;
  srf.on('error', (err: Error) => {
    if (stopping) return;
    if (outageReported) logger.debug({ err: err.message }, 'drachtio connection error');
    else logger.warn({ err: err.message }, 'drachtio connection error');
    outageReported = true;
  });
  // 'close' and 'reconnecting' are emitted by srf but absent from its typed overloads.
  const untyped = srf as unknown as { on(event: string, fn: (...args: unknown[]) => void): void };
  untyped.on('close', () => {
    if (connected && !stopping) {
      logger.warn('drachtio connection lost; reconnecting');
      outageReported = true;
    }
    connected = false;
  });
  untyped.on('reconnecting', (info) => {
    logger.debug({ ...(info as object) }, 'reconnecting to drachtio');
  });

  const firstConnect = new Promise<void>((resolve, reject) => {
    let first = true;
    srf.on('connect', (err: Error | null, hostport: string) => {
      if (err) {
        logger.error({ err: err.message }, 'drachtio refused the connection');
        if (first) {
          first = false;
          stopReconnecting(srf);
          reject(new Error(`drachtio server ${opts.drachtio.host}:${opts.drachtio.port} refused the secret`));
        }
        return;
      }
      connected = true;
      outageReported = false;
      hostports = hostport ? hostport.split(',') : [];
      logger.info({ hostport, drachtio: `${opts.drachtio.host}:${opts.drachtio.port}` }, first ? 'connected to drachtio' : 'reconnected to drachtio');
      if (first) {
        first = false;
        resolve();
      }
    });
  });

  const connectOpts = { ...opts.drachtio, reconnect: { retryMaxDelay: RETRY_MAX_DELAY_MS } };
  // srf.connect() returns nothing at runtime despite its declared Promise; 'connect' is the signal.
  void srf.connect(connectOpts);
  await firstConnect;

  return {
    srf,
    isConnected: () => connected,
    sipHostports: () => hostports,
    ...(services.numberCalls ? { numberCalls: services.numberCalls } : {}),
    activeCalls: () => services.calls.count(),
    liveCalls: services.calls.list,
    async drain(graceMs) {
      if (draining || stopping) return;
      await drainCalls({
        calls: services.calls,
        graceMs,
        logger,
        abandoned: () => !connected,
        stopTakingCalls: () => {
          draining = true;
          try {
            // remove_route: the server offers new INVITEs only to the other apps (in-dialog requests still come here).
            if (connected) (srf as unknown as SrfRoutes).unregisterForMessages('invite');
          } catch (err) {
            logger.debug({ err: (err as Error).message }, 'leaving the INVITE rotation failed; INVITEs get 503');
          }
        },
      });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      draining = true;
      // BYE to every call (number and phone calls) while the connection is still up.
      await services.calls.endAll();
      opts.mwi?.close();
      const wasConnected = connected;
      connected = false;
      const closed = wasConnected ? waitForClose(srf, 1000) : Promise.resolve();
      stopReconnecting(srf);
      try {
        if (wasConnected) srf.disconnect();
      } catch (err) {
        logger.debug({ err: (err as Error).message }, 'srf.disconnect failed');
      }
      await closed;
    },
  };
}

/** A phone that registers learns its voicemail counts at once (unsolicited NOTIFY). */
function mwiOnRegistration(mwi: MessageWaiting): NonNullable<SipServicesDeps['onRegistered']> {
  return (accountId, bindings) => void mwi.phoneRegistered(accountId, bindings);
}

/** Turns off srf's automatic reconnect and cancels a pending retry. */
function stopReconnecting(srf: Srf): void {
  const wp = (srf as unknown as SrfWire).app?.wp;
  if (!wp) return;
  wp.closing = true;
  if (wp.reconnectVars?.retryTimer) {
    clearTimeout(wp.reconnectVars.retryTimer);
    wp.reconnectVars.retryTimer = null;
  }
}

function waitForClose(srf: Srf, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    (srf as unknown as { once(event: string, fn: () => void): void }).once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
