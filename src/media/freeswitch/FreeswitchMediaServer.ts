import { connect as tcpConnect } from 'node:net';
import Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import sdpTransform from 'sdp-transform';
import type { Logger } from '../../logger.js';
import { MediaAbortError, NoCommonCodecError } from '../MediaErrors.js';
import type { CreateEndpointOptions, MediaServer } from '../MediaTypes.js';
import { FreeswitchEndpoint, withTimeout } from './FreeswitchEndpoint.js';
import type { FreeswitchMounts } from './FreeswitchPaths.js';

export interface FreeswitchMediaServerOptions {
  /** FreeSWITCH's event socket (mod_event_socket) and its password. */
  esl: { host: string; port: number; secret: string };
  /**
   * Where this app instance listens for FreeSWITCH's outbound event-socket connection (one per
   * endpoint; drachtio-fsmrf sends it as X-esl-outbound): an address FreeSWITCH can reach.
   */
  outbound: { host: string; port: number };
  mounts: FreeswitchMounts;
  logger: Logger;
  /** The SIP profile drachtio-fsmrf looks up in `sofia status` (freeswitch-conf/sip_profiles/drachtio_mrf.xml). */
  profile?: string;
  /** Wait between connection attempts while FreeSWITCH is unreachable. Default 2000 ms. */
  retryMs?: number;
}

/** The media server is not connected (yet, or any more): no endpoint can be made now. */
export class MediaServerUnavailableError extends Error {
  constructor(detail: string) {
    super(`FreeSWITCH media server unavailable: ${detail}`);
    this.name = 'MediaServerUnavailableError';
  }
}

const DEFAULT_RETRY_MS = 2_000;
/** A reachable event socket that does not become ready (wrong password, wrong profile) is retried this much later. */
const NOT_READY_RETRY_MS = 30_000;
const READY_TIMEOUT_MS = 10_000;
const G711 = new Set(['PCMA', 'PCMU']);

/**
 * The MediaServer seam on FreeSWITCH through drachtio-fsmrf: an endpoint is a FreeSWITCH
 * channel made by an INVITE from this app (through drachtio-server) to FreeSWITCH's drachtio_mrf
 * profile, whose dialplan parks it and connects its outbound event socket back to us. The
 * connection needs the app's srf, so it starts after the app is connected (start()).
 */
export class FreeswitchMediaServer implements MediaServer {
  private ms: Mrf.MediaServer | undefined;
  private readonly endpoints = new Map<string, FreeswitchEndpoint>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: FreeswitchMediaServerOptions) {
    this.log = opts.logger;
  }

  /** Whether the event socket is connected now. */
  get connected(): boolean {
    return this.ms?.connected() ?? false;
  }

  /**
   * Connects to FreeSWITCH through `srf`, retrying in the background until it succeeds or the
   * server is closed. Resolves on the first successful connection.
   */
  start(srf: Srf): Promise<void> {
    return new Promise<void>((resolve) => {
      const attempt = async (): Promise<void> => {
        if (this.closed) return resolve();
        const { host, port } = this.opts.esl;
        let wait = this.opts.retryMs ?? DEFAULT_RETRY_MS;
        if (await reachable(host, port)) {
          try {
            this.ms = await withTimeout(
              new Mrf(srf).connect({
                address: host,
                port,
                secret: this.opts.esl.secret,
                listenAddress: this.opts.outbound.host,
                listenPort: this.opts.outbound.port,
                profile: this.opts.profile ?? 'drachtio_mrf',
              }),
              READY_TIMEOUT_MS,
            );
            this.ms.on('end', () => this.log.warn({ esl: `${host}:${port}` }, 'FreeSWITCH event socket lost; reconnecting'));
            this.ms.on('error', (err: Error) => this.log.warn({ err: err.message }, 'FreeSWITCH media server error'));
            this.log.info({ esl: `${host}:${port}`, sip: this.ms.sip.ipv4.udp.address, outbound: `${this.opts.outbound.host}:${this.opts.outbound.port}` }, 'FreeSWITCH media server connected');
            if (this.closed) this.ms.disconnect();
            return resolve();
          } catch (err) {
            this.log.error({ esl: `${host}:${port}`, err: (err as Error).message }, 'FreeSWITCH event socket did not become ready (check FREESWITCH_ESL_SECRET and the drachtio_mrf SIP profile)');
            wait = NOT_READY_RETRY_MS;
          }
        } else {
          this.log.warn({ esl: `${host}:${port}` }, 'FreeSWITCH event socket unreachable; retrying');
        }
        this.retryTimer = setTimeout(() => void attempt(), wait);
      };
      void attempt();
    });
  }

  /**
   * With `remoteSdp`: FreeSWITCH answers it (localSdp is its answer). Without: FreeSWITCH makes
   * the offer (3pcc) and modify() gives it the far end's answer.
   */
  async createEndpoint(opts: CreateEndpointOptions = {}): Promise<FreeswitchEndpoint> {
    if (this.closed) throw new MediaAbortError('server-close');
    if (opts.remoteSdp !== undefined) {
      const offered = offeredCodecs(opts.remoteSdp);
      if (!offered.some((c) => G711.has(c))) throw new NoCommonCodecError(offered);
    }
    const ms = this.ms;
    if (!ms || !ms.connected()) throw new MediaServerUnavailableError(`no event-socket connection to ${this.opts.esl.host}:${this.opts.esl.port}`);
    let fsEp: Mrf.Endpoint;
    try {
      fsEp = await ms.createEndpoint(opts.remoteSdp !== undefined ? { remoteSdp: opts.remoteSdp } : {});
    } catch (err) {
      if ((err as { status?: number }).status === 488 && opts.remoteSdp !== undefined) throw new NoCommonCodecError(offeredCodecs(opts.remoteSdp));
      throw err;
    }
    const ep = new FreeswitchEndpoint(fsEp, {
      mounts: this.opts.mounts,
      logger: this.log,
      onClosed: (e) => this.endpoints.delete(e.id),
    });
    this.endpoints.set(ep.id, ep);
    if (this.closed) {
      await ep.destroyWith('server-close');
      throw new MediaAbortError('server-close');
    }
    this.log.debug({ endpoint: ep.id, offer: opts.remoteSdp === undefined }, 'FreeSWITCH endpoint created');
    return ep;
  }

  /** Hangs up every endpoint and disconnects from FreeSWITCH. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await Promise.all([...this.endpoints.values()].map((ep) => ep.destroyWith('server-close')));
    try {
      this.ms?.disconnect();
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'FreeSWITCH disconnect failed');
    }
    this.ms = undefined;
  }

  stats(): { endpoints: number } {
    return { endpoints: this.endpoints.size };
  }
}

/** The audio codec names an offer lists (upper case), for the 488 answer. */
export function offeredCodecs(sdp: string): string[] {
  try {
    const audio = sdpTransform.parse(sdp).media.find((m) => m.type === 'audio');
    if (!audio) return [];
    const names = new Map(audio.rtp.map((r) => [r.payload, r.codec.toUpperCase()]));
    // Static payload types (RFC 3551) may come without an rtpmap line.
    const statics: Record<number, string> = { 0: 'PCMU', 8: 'PCMA' };
    return String(audio.payloads ?? '')
      .split(' ')
      .filter((p) => p !== '')
      .map((p) => names.get(Number(p)) ?? statics[Number(p)] ?? `pt ${p}`)
      .filter((n) => n !== 'TELEPHONE-EVENT');
  } catch {
    return [];
  }
}

/** Whether a TCP connection to host:port opens (checked before drachtio-fsmrf's connect, which retries forever on its own). */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host, port });
    const done = (ok: boolean): void => {
      s.removeAllListeners();
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(3_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
