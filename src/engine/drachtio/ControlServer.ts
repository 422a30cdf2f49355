import net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger.js';
import { FrameDecoder, encodeFrame } from './framing.js';

/** One connected drachtio-srf app (spec §1). */
export class AppConnection {
  readonly id: string;
  authenticated = false;
  tags: string[] = [];
  readonly routes = new Set<string>();
  closed = false;

  constructor(
    readonly socket: net.Socket,
    readonly remote: string,
  ) {
    this.id = randomUUID();
  }

  private corked = false;

  /**
   * Send one frame; frames are only ever built by the engine, so they are always well formed.
   * Frames written in the same tick leave in one write (cork until the next tick): under load
   * that is one syscall for many frames instead of one each.
   */
  send(payload: string): void {
    if (this.closed || this.socket.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    this.socket.write(encodeFrame(payload));
  }

  /** @internal */
  flush(): void {
    this.corked = false;
    if (!this.socket.destroyed) this.socket.uncork();
  }

  /** `response|<appMsgId>|<status>|…` with a fresh server msgId. */
  respond(appMsgId: string, rest: string): void {
    this.send(`${randomUUID()}|response|${appMsgId}|${rest}`);
  }
}

function uncork(conn: AppConnection): void {
  conn.flush();
}

export interface ControlHandlers {
  /** An authenticated frame other than authenticate/route/remove_route/ping. */
  onFrame(conn: AppConnection, tokens: string[], sip: string | undefined): void;
  onClose(conn: AppConnection): void;
}

export interface ControlServerOptions {
  host: string;
  port: number;
  secret: string;
  logger: Logger;
  /** `response … OK|<hostports>|<version>|<local hostports>` data, computed when an app logs in. */
  hostports: () => { hostports: string; local: string };
}

export const SERVER_VERSION = 'v0.9.10';

/** The drachtio control port: accepts apps, authenticates them, keeps their routes. */
export class ControlServer {
  private server: net.Server | undefined;
  readonly connections = new Set<AppConnection>();
  /** verb → connections in registration order, and the round-robin offset per verb (spec §3.3.1). */
  private readonly routeTable = new Map<string, AppConnection[]>();
  private readonly rrOffset = new Map<string, number>();

  constructor(
    private readonly opts: ControlServerOptions,
    private readonly handlers: ControlHandlers,
  ) {}

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? this.opts.port;
  }

  async listen(): Promise<void> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    server.on('error', (err) => this.opts.logger.error({ err: err.message }, 'control server error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Pick the next app for a new request or CDR (round-robin per verb); undefined when none. */
  select(verb: string): AppConnection | undefined {
    const list = this.routeTable.get(verb);
    if (!list || list.length === 0) return undefined;
    for (let tries = 0; tries < list.length; tries++) {
      const off = (this.rrOffset.get(verb) ?? 0) % list.length;
      this.rrOffset.set(verb, off + 1);
      const c = list[off];
      if (!c.closed) return c;
    }
    return undefined;
  }

  hasRoute(verb: string): boolean {
    return (this.routeTable.get(verb)?.length ?? 0) > 0;
  }

  private accept(socket: net.Socket): void {
    const conn = new AppConnection(socket, `${socket.remoteAddress}:${socket.remotePort}`);
    this.connections.add(conn);
    socket.setKeepAlive(true, 45_000);
    const log = this.opts.logger;
    const decoder = new FrameDecoder(
      (payload) => {
        try {
          this.frame(conn, payload);
        } catch (err) {
          // A bug in handling one app frame must not take the engine down.
          log.error({ err: (err as Error).stack, app: conn.remote }, 'error handling app frame');
        }
      },
      (reason) => {
        log.warn({ app: conn.remote, reason }, 'closing app connection: bad framing');
        socket.destroy();
      },
    );
    socket.on('data', (chunk) => decoder.push(chunk));
    socket.on('error', (err) => log.debug({ app: conn.remote, err: err.message }, 'app connection error'));
    socket.on('close', () => {
      conn.closed = true;
      this.connections.delete(conn);
      for (const [verb, list] of this.routeTable) {
        const kept = list.filter((c) => c !== conn);
        if (kept.length) this.routeTable.set(verb, kept);
        else this.routeTable.delete(verb);
      }
      log.info({ app: conn.remote }, 'app disconnected');
      this.handlers.onClose(conn);
    });
  }

  private frame(conn: AppConnection, payload: string): void {
    const crlf = payload.indexOf('\r\n');
    const leader = crlf < 0 ? payload : payload.slice(0, crlf);
    const sip = crlf < 0 ? undefined : payload.slice(crlf + 2);
    const tokens = leader.split('|');
    if (tokens.length < 2) {
      conn.respond(tokens[0] ?? '', 'NO|Invalid message format');
      conn.socket.end();
      return;
    }
    const [msgId, type] = tokens;
    if (type === 'authenticate') return this.authenticate(conn, msgId, tokens);
    if (!conn.authenticated) {
      // drachtio-server tolerates this; srf never does it, so refusing is safe and stricter.
      conn.respond(msgId, 'NO|not authenticated');
      conn.socket.end();
      return;
    }
    switch (type) {
      case 'route':
        this.addRoute(conn, (tokens[2] ?? '').toLowerCase());
        conn.respond(msgId, 'OK');
        return;
      case 'remove_route':
        this.removeRoute(conn, (tokens[2] ?? '').toLowerCase());
        conn.respond(msgId, 'OK');
        return;
      case 'ping':
        conn.respond(msgId, 'OK|pong');
        return;
      case 'sip':
      case 'proxy':
        this.handlers.onFrame(conn, tokens, sip);
        return;
      default:
        conn.respond(msgId, 'NO|Unknown message type');
        conn.socket.end();
    }
  }

  private authenticate(conn: AppConnection, msgId: string, tokens: string[]): void {
    if (tokens[2] !== this.opts.secret) {
      this.opts.logger.warn({ app: conn.remote }, 'app failed to authenticate: incorrect secret');
      conn.respond(msgId, 'NO|incorrect secret');
      conn.socket.end();
      return;
    }
    conn.authenticated = true;
    conn.tags = (tokens[3] ?? '').split(',').filter(Boolean);
    const hp = this.opts.hostports();
    conn.respond(msgId, `OK|${hp.hostports}|${SERVER_VERSION}|${hp.local}`);
    this.opts.logger.info({ app: conn.remote, tags: conn.tags }, 'app connected');
  }

  private addRoute(conn: AppConnection, verb: string): void {
    if (!verb || conn.routes.has(verb)) return; // srf re-sends every verb: keep a set (spec §1.5)
    conn.routes.add(verb);
    const list = this.routeTable.get(verb) ?? [];
    list.push(conn);
    this.routeTable.set(verb, list);
  }

  /** Removes only the named verb (drachtio-server removes all: a bug we do not copy, spec §5.7). */
  private removeRoute(conn: AppConnection, verb: string): void {
    conn.routes.delete(verb);
    const list = this.routeTable.get(verb);
    if (!list) return;
    const kept = list.filter((c) => c !== conn);
    if (kept.length) this.routeTable.set(verb, kept);
    else this.routeTable.delete(verb);
  }
}
