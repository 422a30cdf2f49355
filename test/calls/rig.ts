/*
 * What the number-call tests share: an in-process engine, the app's SIP services (number calls
 * in front of the phones' router) on a MemoryStore, the embedded media server on 127.0.0.1, plan
 * files in a temporary dialplans directory, an injectable clock, and SIPp callers whose RTP goes
 * to a UDP socket the test reads (so the test hears exactly what a caller hears).
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSipServices } from '../../src/app/sipServices.js';
import type { NumberCalls, NumberCallsDeps, NumberCallSummary } from '../../src/calls/NumberCall.js';
import { PlanSource } from '../../src/calls/planSource.js';
import type { LiveCallList } from '../../src/calls/LiveCallList.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { EmbeddedMediaServer } from '../../src/media/embedded/EmbeddedMediaServer.js';
import type { Codec } from '../../src/media/embedded/EmbeddedMediaServerTypes.js';
import { SAMPLES_PER_PACKET, SILENCE_BYTE } from '../../src/media/embedded/g711.js';
import { PromptLibrary } from '../../src/media/embedded/PromptLibrary.js';
import { decodeRtp, encodeRtp, type RtpPacket } from '../../src/media/embedded/rtp.js';
import { encodeTelephoneEvent } from '../../src/media/embedded/telephoneEvent.js';
import type { ServiceNumber } from '../../src/numbers/NumberTypes.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { startEngineWithApp } from '../support/engine.js';
import { freePort } from '../support/ports.js';
import { killAllSipp, runSipp, startSipp, type RunningSipp, type SippResult } from '../support/sipp.js';
import { disconnect } from '../support/srf.js';

export const PROMPT_DIR = fileURLToPath(new URL('../../prompts', import.meta.url));
const DIALPLANS = fileURLToPath(new URL('../../dialplans', import.meta.url));
const NUMBERS = fileURLToPath(new URL('../scenarios/numbers/', import.meta.url));
const prompts = new PromptLibrary(PROMPT_DIR);

/**
 * A caller's RTP port: records every packet and the address it came from (the endpoint's port,
 * where DTMF goes), and sends RFC 4733 digits.
 */
export class CallerAudio {
  readonly packets: RtpPacket[] = [];
  from: RemoteInfo | undefined;
  private seq = 1;
  private ts = 1000;

  private constructor(readonly socket: Socket, readonly port: number) {
    socket.on('message', (msg, rinfo) => {
      const p = decodeRtp(msg);
      if (!p) return;
      this.from = rinfo;
      this.packets.push({ ...p, payload: Buffer.from(p.payload) });
    });
  }

  static async open(): Promise<CallerAudio> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    return new CallerAudio(s, s.address().port);
  }

  /** The audio received (payload type 8, PCMA as offered first), in arrival order. */
  audio(pt = 8): Buffer {
    return Buffer.concat(this.packets.filter((p) => p.payloadType === pt).map((p) => p.payload));
  }

  /** Waits (bounded) until at least `bytes` of audio arrived. */
  async until(bytes: number, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.audio().length < bytes) {
      if (Date.now() > deadline) throw new Error(`caller heard ${this.audio().length} of ${bytes} bytes of audio within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Presses a key: RFC 4733 updates, then the end packet three times (§2.5.1.4), to where our audio comes from. */
  async press(event: number, pt = 101): Promise<void> {
    if (!this.from) throw new Error('no RTP received yet: the endpoint port is unknown');
    const to = this.from.port;
    const start = this.ts;
    const send = (buf: Buffer): Promise<void> => new Promise((r, j) => this.socket.send(buf, to, '127.0.0.1', (e) => (e ? j(e) : r())));
    for (let i = 1; i <= 4; i++) {
      await send(encodeRtp({ payloadType: pt, marker: i === 1, sequence: this.seq++, timestamp: start, ssrc: 0xcafe }, encodeTelephoneEvent({ event, end: false, volume: 10, duration: i * 160 })));
    }
    const end = encodeRtp({ payloadType: pt, marker: false, sequence: this.seq++, timestamp: start, ssrc: 0xcafe }, encodeTelephoneEvent({ event, end: true, volume: 10, duration: 800 }));
    for (let i = 0; i < 3; i++) await send(end);
    this.ts += 1600;
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

/** What a caller hears for one play of `ids` (one play pads only its end to whole packets). */
export async function expectedAudio(ids: string[], codec: Codec = 'PCMA'): Promise<Buffer> {
  const parts = await Promise.all(ids.map((id) => prompts.encoded(id, codec)));
  const len = parts.reduce((n, p) => n + p.length, 0);
  const out = Buffer.alloc(Math.ceil(len / SAMPLES_PER_PACKET) * SAMPLES_PER_PACKET, SILENCE_BYTE[codec]);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface NumberRig {
  store: MemoryStore;
  media: EmbeddedMediaServer;
  calls: NumberCalls;
  remote: string;
  customerId: string;
  /** Every finished call, oldest first. */
  ended: NumberCallSummary[];
  /** The clock the runtime reads. */
  setNow(at: Date): void;
  /** Writes a plan file (YAML) into the rig's dialplans directory, addressable as 'file:<name>'. */
  writePlan(name: string, yaml: string): void;
  /** Waits until the plan source has `file:<name>`. */
  planLoaded(name: string): Promise<void>;
  addNumber(n: Partial<ServiceNumber> & { e164: string; type: ServiceNumber['type'] }): Promise<ServiceNumber>;
  /** Runs test/scenarios/numbers/<name>.xml calling `dialled` with RTP to `rtpPort`. */
  call(name: string, dialled: string, rtpPort: number, o?: { pauseMs?: number; caller?: string }): Promise<SippResult>;
  startCall(name: string, dialled: string, rtpPort: number, o?: { pauseMs?: number; caller?: string }): Promise<RunningSipp>;
  /** Waits (bounded) until no call, endpoint, port or lease of `numberId` is left. */
  settled(numberId: string): Promise<{ endpoints: number; portsInUse: number; leases: number; active: number }>;
  stop(): Promise<void>;
  /** The trunk's port: external numbers go to sip:<number>@127.0.0.1:<trunkPort>. */
  trunkPort: number;
  /** Encrypts account passwords (passwordEnc) so phones can authenticate calls. */
  secrets: SecretBox;
  /** What each call in progress is doing (the list GET /api/v1/calls/live reads). */
  liveCalls: LiveCallList;
}

/** Runtime services a test adds to the number calls (fax-to-email, voicemail, …). */
export type RigNumberDeps = Partial<Omit<NumberCallsDeps, 'store' | 'logger' | 'trunk' | 'media' | 'plans' | 'now' | 'onCallEnded'>>;

export async function startNumberRig(portMin: number, extraDeps: RigNumberDeps = {}): Promise<NumberRig> {
  const { engine, srf, sipPort } = await startEngineWithApp({ secret: 'numbers-test' });
  // Where the trunk is: a SIPp UAS a test starts on this port when it needs the trunk.
  const trunkPort = await freePort();
  const logger = process.env.E2E_LOG_LEVEL ? createLogger(process.env.E2E_LOG_LEVEL, 'app') : silentLogger();
  const store = new MemoryStore();
  const secretKey = randomBytes(32);
  const secrets = new SecretBox(secretKey);
  const dir = mkdtempSync(join(tmpdir(), 'cs-dialplans-'));
  copyFileSync(join(DIALPLANS, 'demo-0909.yaml'), join(dir, 'demo-0909.yaml'));
  const plans = new PlanSource({ plans: store.plans, logger, dialplansDir: dir });
  await plans.start();
  const media = new EmbeddedMediaServer({ host: '127.0.0.1', portMin, portMax: portMin + 98, logger, promptDir: PROMPT_DIR });
  let now = new Date('2026-03-04T10:00:00+01:00');
  const ended: NumberCallSummary[] = [];
  const services = buildSipServices({
    store,
    secrets,
    secretKey,
    settings: {
      domain: 'contactsuite.test',
      register: { minExpires: 60, maxExpires: 3600 },
      authThrottle: { maxFailures: 10, blockSeconds: 300 },
      trunk: { uri: `sip:127.0.0.1:${trunkPort}` },
    },
    logger,
    numberCalls: { media, plans, now: () => now, onCallEnded: (s) => ended.push(s), ...extraDeps },
  });
  srf.use('register', services.register);
  srf.use('invite', services.invite);
  const customer = await store.customers.create({ name: 'Helpdesk BV', status: 'active', creditLimitCents: 10_000 });
  const remote = `127.0.0.1:${sipPort}`;

  const sippOptions = async (name: string, dialled: string, rtpPort: number, o: { pauseMs?: number; caller?: string } = {}) => ({
    scenario: `${NUMBERS}${name}.xml`,
    remote,
    localPort: await freePort(),
    calls: 1,
    timeoutMs: 30_000,
    vars: { caller: o.caller ?? '0612345678', rtp: String(rtpPort) },
    extra: ['-s', dialled, ...(o.pauseMs !== undefined ? ['-d', String(o.pauseMs)] : [])],
  });

  const rig: NumberRig = {
    trunkPort,
    secrets,
    store,
    media,
    calls: services.numberCalls!,
    liveCalls: services.calls.list,
    remote,
    customerId: customer.id,
    ended,
    setNow: (at) => {
      now = at;
    },
    writePlan: (name, yaml) => writeFileSync(join(dir, `${name}.yaml`), yaml),
    async planLoaded(name) {
      for (let i = 0; i < 200 && !plans.fileIds().includes(`file:${name}`); i++) await new Promise((r) => setTimeout(r, 20));
      if (!plans.fileIds().includes(`file:${name}`)) throw new Error(`plan file ${name} did not load`);
    },
    addNumber: (n) => store.numbers.create({ customerId: customer.id, status: 'active', ...n }),
    call: async (name, dialled, rtpPort, o) => {
      const result = await runSipp(await sippOptions(name, dialled, rtpPort, o));
      // SIPp's exit can reach this process before the caller's last RTP packets, already in its
      // socket buffer, have been read: a few event-loop turns let CallerAudio take them in.
      await new Promise((r) => setTimeout(r, 50));
      return result;
    },
    startCall: async (name, dialled, rtpPort, o) => startSipp(await sippOptions(name, dialled, rtpPort, o)),
    async settled(numberId) {
      const look = async () => ({ ...media.stats(), leases: await store.leases.count(`number:${numberId}`), active: services.numberCalls!.active() });
      let seen = await look();
      for (let i = 0; i < 150 && (seen.endpoints || seen.portsInUse || seen.leases || seen.active); i++) {
        await new Promise((r) => setTimeout(r, 20));
        seen = await look();
      }
      return seen;
    },
    async stop() {
      killAllSipp();
      await services.numberCalls?.close();
      disconnect(srf);
      plans.close();
      await media.close();
      await store.close();
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}
