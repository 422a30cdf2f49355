import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../../logger.js';
import { MediaAbortError } from '../MediaErrors.js';
import type { CreateEndpointOptions, MediaServer } from '../MediaTypes.js';
import { EmbeddedEndpoint } from './EmbeddedEndpoint.js';
import type { EmbeddedMediaServerOptions, MediaServerStats, PacingStats } from './EmbeddedMediaServerTypes.js';
import { PacingClock } from './PacingClock.js';
import { PortPool } from './PortPool.js';
import { PromptLibrary } from './PromptLibrary.js';
import { negotiate } from './sdpNegotiation.js';

const DEFAULT_RTP_TIMEOUT_MS = 60_000;
const DEFAULT_SILENCE_THRESHOLD = 500;

/**
 * The embedded RTP media engine: endpoints on even UDP ports of a range, one shared pacing clock,
 * one prompt cache, and a watchdog that tears down endpoints whose far end went silent. Implements
 * the MediaServer seam, so a FreeSWITCH adapter can take its place.
 */
export class EmbeddedMediaServer implements MediaServer {
  readonly host: string;
  readonly advertisedHost: string;
  readonly prompts: PromptLibrary;
  private readonly logger: Logger;
  private readonly pool: PortPool;
  private readonly clock = new PacingClock();
  private readonly endpoints = new Map<string, EmbeddedEndpoint>();
  private readonly rtpTimeoutMs: number;
  private readonly silenceThreshold: number;
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(opts: EmbeddedMediaServerOptions) {
    this.host = opts.host;
    this.advertisedHost = opts.advertisedHost ?? opts.host;
    this.logger = opts.logger;
    this.pool = new PortPool(opts.portMin, opts.portMax);
    this.prompts = new PromptLibrary(opts.promptDir, opts.customPromptDir);
    this.rtpTimeoutMs = opts.rtpTimeoutMs ?? DEFAULT_RTP_TIMEOUT_MS;
    this.silenceThreshold = opts.silenceThreshold ?? DEFAULT_SILENCE_THRESHOLD;
  }

  /**
   * Answers `remoteSdp`, or without one makes an offer (see EmbeddedEndpoint); rejects with
   * NoCommonCodecError (488) or PortRangeExhaustedError.
   */
  async createEndpoint(opts: CreateEndpointOptions = {}): Promise<EmbeddedEndpoint> {
    if (this.closed) throw new MediaAbortError('server-close');
    const negotiated = opts.remoteSdp === undefined ? undefined : negotiate(opts.remoteSdp);
    const { socket, port } = await this.bindSocket();
    if (this.closed) {
      socket.close();
      this.pool.release(port);
      throw new MediaAbortError('server-close');
    }
    const ep = new EmbeddedEndpoint(
      {
        socket,
        port,
        host: this.advertisedHost,
        clock: this.clock,
        prompts: this.prompts,
        logger: this.logger,
        silenceThreshold: this.silenceThreshold,
        onClosed: (e) => {
          this.pool.release(port);
          this.endpoints.delete(e.id);
          if (this.endpoints.size === 0) this.stopWatchdog();
        },
      },
      negotiated,
    );
    this.endpoints.set(ep.id, ep);
    this.startWatchdog();
    this.logger.debug(
      negotiated ? { endpoint: ep.id, port, codec: negotiated.codec, remote: `${negotiated.remoteHost}:${negotiated.remotePort}` } : { endpoint: ep.id, port, offer: true },
      'media endpoint created',
    );
    return ep;
  }

  /** Destroys every endpoint ('server-close') and stops the clock and watchdog. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.endpoints.values()].map((ep) => ep.destroyWith('server-close')));
    this.stopWatchdog();
    this.clock.stop();
  }

  stats(): MediaServerStats {
    return { endpoints: this.endpoints.size, portsInUse: this.pool.inUse };
  }

  /** Send-side lateness of paced packets (for the benchmark). */
  pacingStats(): PacingStats {
    return this.clock.stats();
  }

  resetPacingStats(): void {
    this.clock.resetStats();
  }

  /** Binds the next free even port; ports taken by other processes are skipped. */
  private async bindSocket(): Promise<{ socket: Socket; port: number }> {
    const busy = new Set<number>();
    for (;;) {
      const port = this.pool.acquire(busy);
      const socket = createSocket({ type: 'udp4' });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind({ port, address: this.host, exclusive: true }, () => {
            socket.off('error', reject);
            resolve();
          });
        });
        return { socket, port };
      } catch (err) {
        this.pool.release(port);
        try {
          socket.close();
        } catch {
          // never bound: nothing to close
        }
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        busy.add(port);
      }
    }
  }

  private startWatchdog(): void {
    if (this.watchdog) return;
    const every = Math.max(10, Math.min(1000, Math.floor(this.rtpTimeoutMs / 4)));
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const ep of this.endpoints.values()) ep.checkRtpTimeout(now, this.rtpTimeoutMs);
    }, every);
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }
}
