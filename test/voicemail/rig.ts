/*
 * The voicemail rig: an in-process engine with the app's SIP services (number calls, registrar,
 * message-waiting SUBSCRIBE), the embedded media server, a voicemail plan on one number, a box
 * owned by two accounts, the mail outbox delivering to an in-process SMTP server, and SIPp as
 * the caller and as the owners' phones.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import alawmulaw from 'alawmulaw';
import { buildSipServices } from '../../src/app/sipServices.js';
import { PlanSource } from '../../src/calls/planSource.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createMailOutbox, type MailOutbox } from '../../src/mail/MailOutbox.js';
import { EmbeddedMediaServer } from '../../src/media/embedded/EmbeddedMediaServer.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import type { Account } from '../../src/store/StoreTypes.js';
import { MessageWaiting, type SentNotify } from '../../src/voicemail/Mwi.js';
import { VoicemailService } from '../../src/voicemail/VoicemailService.js';
import type { VoicemailBox } from '../../src/voicemail/VoicemailTypes.js';
import { startEngineWithApp } from '../support/engine.js';
import { freePort } from '../support/ports.js';
import { killAllSipp, runSipp, startSipp, type RunningSipp, type SippResult } from '../support/sipp.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { disconnect } from '../support/srf.js';

const { alaw } = alawmulaw;
const PROMPT_DIR = fileURLToPath(new URL('../../prompts', import.meta.url));
const SCENARIOS = fileURLToPath(new URL('../scenarios/', import.meta.url));
export const CALLER_PCAP = '/usr/share/sip-tester/g711a.pcap';
/** The number the caller dials (an 085 number of the customer) and the caller's own number. */
export const DIALLED = '0851234567';
export const CALLER = '0612345678';
/** The default greeting (7.0 s) and the beep (0.4 s), with a margin: when the caller starts talking. */
export const AFTER_BEEP_MS = 8500;

export interface VoicemailRig {
  store: MemoryStore;
  smtp: TestSmtp;
  outbox: MailOutbox;
  voicemail: VoicemailService;
  mwi: MessageWaiting;
  box: VoicemailBox;
  /** The subscribing phone's account (201) and the merely registered one (202). */
  subscriber: Account & { password: string };
  registered: Account & { password: string };
  notifications: SentNotify[];
  dataDir: string;
  remote: string;
  /**
   * Runs test/scenarios/voicemail/<name>.xml as the caller of DIALLED; the caller's SDP names
   * `rtp` (a test socket that hears what the caller hears); `cwd` is SIPp's working directory.
   */
  call(name: string, o: { rtp: number; pauseMs?: number; cwd?: string }): Promise<SippResult>;
  /** SIPp for test/scenarios/<path>, in the background. */
  /** `uac`: the phone sends first (SUBSCRIBE) to the engine; otherwise it waits for requests. */
  startPhone(path: string, opts: { port: number; username: string; password?: string; calls?: number; timeoutMs?: number; uac?: boolean }): Promise<RunningSipp>;
  register(port: number, account: Account & { password: string }): Promise<SippResult>;
  /** Registers like a desk phone with unsolicited MWI: REGISTER, 200, then the message-summary NOTIFY (answered 200); the NOTIFY-answering run's result. */
  registerExpectingMwi(port: number, account: Account & { password: string }): Promise<SippResult>;
  /** Waits (bounded, 30 s) until `count` NOTIFYs of this kind went to the account. */
  notified(accountId: string, kind: SentNotify['kind'], count: number): Promise<SentNotify[]>;
  /** Waits (bounded) until no number call is in progress and no recording is being judged. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** The caller's audio: the pcap's RTP payloads (A-law), decoded to 16-bit samples, one array per packet. */
export function pcapAudioPackets(file = CALLER_PCAP): Int16Array[] {
  const d = readFileSync(file);
  const packets: Int16Array[] = [];
  const little = d.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (at: number): number => (little ? d.readUInt32LE(at) : d.readUInt32BE(at));
  let off = 24;
  while (off + 16 <= d.length) {
    const incl = u32(off + 8);
    const pkt = d.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    // Ethernet (14) + IPv4 (20) + UDP (8), then RTP: PT 8 is PCMA.
    const rtp = pkt.subarray(42);
    if ((rtp[1]! & 0x7f) !== 8) continue;
    packets.push(alaw.decode(new Uint8Array(rtp.subarray(12))));
  }
  return packets;
}

export async function startVoicemailRig(portMin: number): Promise<VoicemailRig> {
  const { engine, srf, sipPort } = await startEngineWithApp({ secret: 'voicemail-test' });
  const logger = process.env.E2E_LOG_LEVEL ? createLogger(process.env.E2E_LOG_LEVEL, 'app') : silentLogger();
  const store = new MemoryStore();
  const secretKey = randomBytes(32);
  const secrets = new SecretBox(secretKey);
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-voicemail-'));
  const plansDir = join(dataDir, 'dialplans');
  mkdirSync(plansDir);
  writeFileSync(
    join(plansDir, 'voicemail.yaml'),
    ['name: voicemail', 'start: vm', 'nodes:', '  vm:', '    type: voicemail', '    box: Helpdesk', ''].join('\n'),
  );
  const plans = new PlanSource({ plans: store.plans, logger, dialplansDir: plansDir });
  await plans.start();
  const media = new EmbeddedMediaServer({ host: '127.0.0.1', portMin, portMax: portMin + 98, logger, promptDir: PROMPT_DIR });
  const smtp = await startSmtp();
  const outbox = createMailOutbox({ smtpUrl: smtp.url, from: 'Voicemail <voicemail@contactsuite.test>', dir: join(dataDir, 'outbox'), logger, retry: { initialMs: 200, maxMs: 800 } });
  const voicemail = new VoicemailService({ store, dataDir, outbox, logger });
  const notifications: SentNotify[] = [];
  const mwi = new MessageWaiting({ store, domain: 'contactsuite.test', logger, onNotify: (n) => notifications.push(n) });
  voicemail.onBoxChanged(mwi);

  const services = buildSipServices({
    store,
    secrets,
    secretKey,
    settings: { domain: 'contactsuite.test', register: { minExpires: 60, maxExpires: 3600 }, authThrottle: { maxFailures: 10, blockSeconds: 300 } },
    logger,
    numberCalls: { media, plans, voicemail },
    onRegistered: (accountId, bindings) => void mwi.phoneRegistered(accountId, bindings),
  });
  srf.use('register', services.register);
  srf.use('invite', services.invite);
  mwi.attach(srf, services.digest, services.throttle);
  srf.use('subscribe', mwi.subscribe);

  const customer = await store.customers.create({ name: 'Helpdesk BV', status: 'active', creditLimitCents: 10_000 });
  const account = async (username: string): Promise<Account & { password: string }> => {
    const password = randomBytes(9).toString('base64url');
    const a = await store.accounts.create({ customerId: customer.id, username, displayName: `Toestel ${username}`, passwordEnc: secrets.encrypt(password), channelLimit: 2 });
    return { ...a, password };
  };
  const subscriber = await account('201');
  const registered = await account('202');
  const box = await store.voicemail.createBox({
    customerId: customer.id,
    name: 'Helpdesk',
    emails: ['helpdesk@example.nl', 'teamleider@example.nl'],
    ownerAccountIds: [subscriber.id, registered.id],
    maxSeconds: 60,
    silenceSeconds: 10,
  });
  for (let i = 0; i < 200 && !plans.fileIds().includes('file:voicemail'); i++) await new Promise((r) => setTimeout(r, 20));
  await store.numbers.create({ customerId: customer.id, status: 'active', e164: '+31851234567', type: '085', planId: 'file:voicemail' });
  const remote = `127.0.0.1:${sipPort}`;

  const rig: VoicemailRig = {
    store,
    smtp,
    outbox,
    voicemail,
    mwi,
    box,
    subscriber,
    registered,
    notifications,
    dataDir,
    remote,
    call: async (name, o) =>
      runSipp({
        scenario: `${SCENARIOS}voicemail/${name}.xml`,
        remote,
        localPort: await freePort(),
        timeoutMs: 40_000,
        vars: { caller: CALLER, rtp: String(o.rtp) },
        extra: ['-s', DIALLED, '-d', String(o.pauseMs ?? AFTER_BEEP_MS)],
        ...(o.cwd ? { cwd: o.cwd } : {}),
      }),
    startPhone: (path, o) =>
      startSipp({
        scenario: `${SCENARIOS}${path}`,
        ...(o.uac ? { remote } : {}),
        localPort: o.port,
        calls: o.calls ?? 1,
        timeoutMs: o.timeoutMs ?? 110_000,
        extra: ['-s', o.username, ...(o.password ? ['-au', o.username, '-ap', o.password] : [])],
      }),
    register: (port, a) =>
      runSipp({ scenario: `${SCENARIOS}calls/phone-register.xml`, remote, localPort: port, timeoutMs: 10_000, extra: ['-s', a.username, '-au', a.username, '-ap', a.password] }),
    async registerExpectingMwi(port, a) {
      // The NOTIFY comes in a dialog of its own (new Call-ID), which the registering SIPp cannot
      // map; the phone on the same port picks it up (the engine retransmits an unanswered NOTIFY
      // for 32 s, RFC 3261 Timer F) and answers it, as a desk phone does.
      const registration = await rig.register(port, a);
      if (registration.code !== 0) return registration;
      return runSipp({ scenario: `${SCENARIOS}voicemail/mwi-phone.xml`, localPort: port, calls: 1, timeoutMs: 40_000, extra: ['-s', a.username] });
    },
    async notified(accountId, kind, count) {
      const mine = (): SentNotify[] => notifications.filter((n) => n.accountId === accountId && n.kind === kind);
      for (let i = 0; i < 1500 && mine().length < count; i++) await new Promise((r) => setTimeout(r, 20));
      if (mine().length < count) throw new Error(`expected ${count} ${kind} NOTIFYs to account ${accountId}, got ${mine().length}: ${JSON.stringify(mine())}`);
      return mine();
    },
    async settled() {
      const busy = (): boolean => services.numberCalls!.active() > 0 || voicemail.inProgress() > 0;
      for (let i = 0; i < 500 && busy(); i++) await new Promise((r) => setTimeout(r, 20));
      if (busy()) throw new Error('a voicemail call or recording is still in progress');
    },
    async stop() {
      killAllSipp();
      mwi.close();
      await services.numberCalls?.close();
      disconnect(srf);
      plans.close();
      await media.close();
      await outbox.close();
      await smtp.stop();
      await store.close();
      await engine.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return rig;
}

/**
 * Writes a pcap SIPp can play (play_pcap_audio): `seconds` of PCMA in 20 ms RTP packets of
 * deterministic white noise at about `rms` (of 32768), over Ethernet/IPv4/UDP.
 */
export function writeNoisePcap(file: string, seconds: number, rms: number): void {
  const packets = Math.round(seconds * 50);
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // Ethernet
  parts.push(global);
  // Uniform noise in [-a, a] has RMS a / sqrt(3).
  const peak = rms * Math.sqrt(3);
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  for (let n = 0; n < packets; n++) {
    const pcm = new Int16Array(160);
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(random() * peak);
    const payload = Buffer.from(alaw.encode(pcm));
    const rtp = Buffer.alloc(12);
    rtp[0] = 0x80;
    rtp[1] = 8;
    rtp.writeUInt16BE(n & 0xffff, 2);
    rtp.writeUInt32BE(n * 160, 4);
    rtp.writeUInt32BE(0x5eed, 8);
    const udpLen = 8 + rtp.length + payload.length;
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + udpLen, 2);
    ip[8] = 64;
    ip[9] = 17; // UDP
    ip.writeUInt32BE(0x7f000001, 12);
    ip.writeUInt32BE(0x7f000001, 16);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(40000, 0);
    udp.writeUInt16BE(40002, 2);
    udp.writeUInt16BE(udpLen, 4);
    const frame = Buffer.concat([eth, ip, udp, rtp, payload]);
    const header = Buffer.alloc(16);
    header.writeUInt32LE(Math.floor(n / 50), 0);
    header.writeUInt32LE((n % 50) * 20_000, 4);
    header.writeUInt32LE(frame.length, 8);
    header.writeUInt32LE(frame.length, 12);
    parts.push(header, frame);
  }
  writeFileSync(file, Buffer.concat(parts));
}
