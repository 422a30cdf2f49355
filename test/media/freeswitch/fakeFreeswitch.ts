/*
 * A stand-in for FreeSWITCH in tests (FreeSWITCH cannot be installed here; this is the one
 * allowed fake). It has FreeSWITCH's two faces towards the app:
 *   - SIP: a drachtio-srf UAS on its own embedded engine, where drachtio-fsmrf's INVITEs arrive
 *     (so the adapter's createEndpoint runs for real through SIP); it answers with an SDP, then
 *     opens the outbound event socket to the address in X-esl-outbound, as FreeSWITCH's `socket`
 *     application does;
 *   - the event socket: a TCP server on 127.0.0.1 for the app's inbound connection, and the
 *     outbound connections it opens, each replaying a recorded conversation
 *     (recordings/*.esl, see eslTranscript.ts) and failing on the first message that differs.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Srf from 'drachtio-srf';
import { startEngineWithApp, type EngineWithApp } from '../../support/engine.js';
import { disconnect } from '../../support/srf.js';
import { fill, matchPattern, readTranscript, type Step } from './eslTranscript.js';

export const RECORDINGS = fileURLToPath(new URL('./recordings/', import.meta.url));

/** One replayed conversation on one socket. */
export class Replay {
  readonly failures: string[] = [];
  /** Every message the app sent on this socket, in order. */
  readonly received: string[] = [];
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private i = 0;
  private buffer = '';

  constructor(
    private readonly socket: Socket,
    private readonly steps: Step[],
    readonly vars: Map<string, string>,
    private readonly hooks: { bye?: () => void } = {},
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', () => undefined);
    this.run();
  }

  /** Steps left; 0 when the whole recording was played. */
  get remaining(): number {
    return this.steps.length - this.i;
  }

  private onData(d: string): void {
    this.buffer += d;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end < 0) return;
      const msg = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.onMessage(msg);
    }
  }

  private onMessage(msg: string): void {
    this.received.push(msg);
    const step = this.steps[this.i];
    if (!step) {
      this.failures.push(`unexpected message after the end of the recording: ${JSON.stringify(msg)}`);
      return;
    }
    if (step.kind !== 'app') {
      this.failures.push(`message ${JSON.stringify(msg)} arrived while FreeSWITCH was still to send ${step.kind}`);
      return;
    }
    const [line, ...rest] = msg.split('\n');
    const headers = new Map(rest.map((l) => [l.slice(0, l.indexOf(': ')).toLowerCase(), l.slice(l.indexOf(': ') + 2)]));
    const problems: string[] = [];
    if (!matchPattern(step.line, line, this.vars)) problems.push(`command ${JSON.stringify(line)}, recorded ${JSON.stringify(step.line)}`);
    for (const [name, pattern] of step.headers) {
      const actual = headers.get(name.toLowerCase());
      if (actual === undefined) problems.push(`header ${name} missing`);
      else if (!matchPattern(pattern, actual, this.vars)) problems.push(`${name}: ${JSON.stringify(actual)}, recorded ${JSON.stringify(pattern)}`);
    }
    if (problems.length) {
      this.failures.push(`${step.at}: the app sent ${JSON.stringify(msg)}: ${problems.join('; ')}`);
      this.i = this.steps.length;
      this.socket.destroy();
      this.resolveDone();
      return;
    }
    this.i++;
    this.run();
  }

  /** Sends FreeSWITCH's steps up to the next message expected from the app. */
  private run(): void {
    while (this.i < this.steps.length) {
      const step = this.steps[this.i];
      if (step.kind === 'app') return;
      this.i++;
      this.perform(step);
    }
    this.resolveDone();
  }

  private perform(step: Exclude<Step, { kind: 'app' }>): void {
    switch (step.kind) {
      case 'reply': {
        const lines = step.headers.map(([k, v]) => `${k}: ${encodeValue(fill(v, this.vars))}`);
        this.write(`Content-Type: command/reply\n${lines.join('\n')}\n\n`);
        break;
      }
      case 'api': {
        const body = fill(step.body, this.vars);
        this.write(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`);
        break;
      }
      case 'event': {
        const json = JSON.stringify(Object.fromEntries(step.headers.map(([k, v]) => [k, fill(v, this.vars)])));
        this.write(`Content-Length: ${Buffer.byteLength(json)}\nContent-Type: text/event-json\n\n${json}`);
        break;
      }
      case 'bye':
        this.hooks.bye?.();
        break;
      case 'close':
        this.socket.end();
        break;
    }
  }

  private write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }
}

/** Header values are URL-encoded on the event socket where they contain line breaks or '%' (e.g. SDP in CHANNEL_DATA). */
function encodeValue(v: string): string {
  return /[\r\n%]/.test(v) ? encodeURIComponent(v) : v;
}

export interface ExpectedChannel {
  /** Recording files played on this channel's outbound event socket, in order. */
  files: string[];
  uuid: string;
  vars?: Record<string, string>;
}

export class FakeFreeswitch {
  readonly replays: Replay[] = [];
  readonly failures: string[] = [];
  /** INVITEs drachtio-fsmrf sent, as FreeSWITCH's SIP side saw them. */
  readonly invites: Array<{ userAgent: string; eslOutbound: string; sdp: string }> = [];
  private readonly expected: Array<ExpectedChannel & { replay: (r: Replay) => void }> = [];
  private rtpPort = 21000;

  private constructor(
    private readonly sip: EngineWithApp,
    private readonly control: Server,
    readonly eslPort: number,
    private readonly controlFile: string,
    private readonly password: string,
  ) {
    sip.srf.invite((req, res) => void this.onInvite(req, res));
  }

  get sipPort(): number {
    return this.sip.sipPort;
  }

  static async start(opts: { password: string; controlFile?: string }): Promise<FakeFreeswitch> {
    const sip = await startEngineWithApp({ secret: 'fake-freeswitch' });
    const control = createServer();
    await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
    const port = (control.address() as { port: number }).port;
    const fake = new FakeFreeswitch(sip, control, port, opts.controlFile ?? 'control.esl', opts.password);
    control.on('connection', (s) => fake.onControl(s));
    return fake;
  }

  /** The next channel drachtio-fsmrf creates plays these recordings; resolves with its replay once it starts. */
  expectChannel(ch: ExpectedChannel): Promise<Replay> {
    return new Promise((resolve) => this.expected.push({ ...ch, replay: resolve }));
  }

  /** The app's inbound event-socket connection: auth, events, sofia status (a TCP probe that sends nothing is ignored). */
  private onControl(socket: Socket): void {
    const steps = readTranscript(join(RECORDINGS, this.controlFile));
    const vars = new Map([
      ['sip_port', String(this.sip.sipPort)],
      ['password', this.password],
    ]);
    let replay: Replay | undefined;
    // FreeswitchMediaServer's reachability probe connects and closes at once.
    socket.on('error', () => undefined);
    socket.write('Content-Type: auth/request\n\n');
    socket.once('data', (first: Buffer) => {
      replay = new Replay(socket, steps, vars);
      this.replays.push(replay);
      socket.emit('data', first);
    });
  }

  private async onInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const userAgent = req.get('User-Agent') ?? '';
    const eslOutbound = req.get('X-esl-outbound') ?? '';
    this.invites.push({ userAgent, eslOutbound, sdp: req.body ?? '' });
    const ch = this.expected.shift();
    if (!ch) {
      this.failures.push(`INVITE from ${userAgent} with no channel expected`);
      res.send(480);
      return;
    }
    const port = (this.rtpPort += 2);
    const localSdp = freeswitchSdp(port);
    const dialog = await this.sip.srf.createUAS(req, res, { localSdp });
    const [host, p] = eslOutbound.split(':');
    const socket = tcpConnect({ host, port: Number(p) });
    await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
    const vars = new Map<string, string>([
      ['uuid', ch.uuid],
      ['user_agent', userAgent],
      ['local_sdp', localSdp],
      // uuid_dump's text output URL-encodes values (switch_event_serialize).
      ['local_sdp_encoded', encodeURIComponent(localSdp)],
      ['remote_sdp', req.body ?? ''],
      ['rtp_port', String(port)],
      ...Object.entries(ch.vars ?? {}),
    ]);
    const steps = ch.files.flatMap((f) => readTranscript(join(RECORDINGS, f)));
    const replay = new Replay(socket, steps, vars, { bye: () => void Promise.resolve(dialog.destroy() as unknown).catch(() => undefined) });
    this.replays.push(replay);
    ch.replay(replay);
  }

  /** Every failure of every conversation so far. */
  allFailures(): string[] {
    return [...this.failures, ...this.replays.flatMap((r) => r.failures)];
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.control.close(() => r()));
    disconnect(this.sip.srf);
    await this.sip.engine.stop();
  }
}

/** The SDP FreeSWITCH answers with (PCMA and telephone-event, as the drachtio_mrf profile offers). */
function freeswitchSdp(port: number): string {
  return [
    'v=0',
    'o=FreeSWITCH 1732300000 1732300001 IN IP4 127.0.0.1',
    's=FreeSWITCH',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 8 101`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    '',
  ].join('\r\n');
}
