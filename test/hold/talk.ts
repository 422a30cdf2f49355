/*
 * What the hold and transfer tests share: finding the live calls' dialogs (CallRegistry), poking a
 * SIPp party so its scenario takes its next step (an INFO with the call's Call-ID that the
 * scenario waits for), and checking audio like a person would: one side speaks, the other hears
 * it; the party on hold hears the music-on-hold file.
 */
import { createSocket } from 'node:dgram';
import Srf from 'drachtio-srf';
import sdpTransform from 'sdp-transform';
import type { CallRegistry } from '../../src/calls/CallRegistry.js';
import { encodeRtp } from '../../src/media/embedded/rtp.js';
import { CallerAudio, expectedAudio, startNumberRig, type NumberRig } from '../calls/rig.js';
import { freePort } from '../support/ports.js';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { describeRun, scenario, startSipp, type RunningSipp, type SippResult } from '../support/sipp.js';

/** Our media port in the SDP we sent on this dialog (the endpoint facing that party). */
export function ourPort(dialog: Srf.Dialog): number {
  const audio = sdpTransform.parse(dialog.local.sdp).media.find((m) => m.type === 'audio');
  if (!audio) throw new Error(`no audio line in our SDP on dialog ${dialog.sip.callId}`);
  return audio.port;
}

/** The SIP port of the SIPp playing the far end of a dialog (from its Contact). */
export function sippPort(dialog: Srf.Dialog): number {
  const port = Srf.parseUri(dialog.remote.uri)?.port;
  if (!port) throw new Error(`no port in the Contact ${dialog.remote.uri}`);
  return Number(port);
}

/** Every dialog of every live call. */
export function liveDialogs(registry: CallRegistry): Srf.Dialog[] {
  return registry.all().flatMap((c) => c.dialogs());
}

/** Waits (bounded) until a live call holds a dialog `pick` accepts. */
export async function waitForDialog(registry: CallRegistry, pick: (d: Srf.Dialog) => boolean, what: string, ms = 15_000): Promise<Srf.Dialog> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = liveDialogs(registry).find(pick);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no live dialog ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let pokes = 0;

/**
 * Sends the SIPp at the far end of `dialog` an INFO in its call: its scenario's next
 * <recv request="INFO">. Tests let audio flow first, so the INFO cannot overtake our ACK.
 */
export async function poke(dialog: Srf.Dialog, headers: Record<string, string> = {}): Promise<void> {
  const port = sippPort(dialog);
  const n = ++pokes;
  const lines = [
    `INFO sip:poke@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-poke-${n}`,
    `From: <sip:test@127.0.0.1>;tag=${dialog.sip.localTag}`,
    `To: <sip:phone@127.0.0.1>;tag=${dialog.sip.remoteTag}`,
    `Call-ID: ${dialog.sip.callId}`,
    `CSeq: ${1000 + n} INFO`,
    'Max-Forwards: 70',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    'Content-Length: 0',
    '',
    '',
  ];
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => socket.send(lines.join('\r\n'), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  } finally {
    socket.close();
  }
}

/** The pattern bytes tests speak with (never a whole packet of music). */
const PATTERNS = new Set<number>();

/** Packets of `audio` since `from` that carry the test pattern `byte`. */
function patternPackets(audio: CallerAudio, byte: number, from = 0): number {
  return audio.packets.slice(from).filter((p) => p.payloadType === 8 && p.payload.length === 160 && p.payload.every((b) => b === byte)).length;
}

/**
 * One party speaks (RTP with a constant PCMA pattern from its socket to our endpoint facing it);
 * resolves once the other party heard at least 5 such packets, rejects if it heard none (bounded).
 */
export async function speaks(speaker: CallerAudio, toPort: number, listener: CallerAudio, byte: number): Promise<void> {
  PATTERNS.add(byte);
  const before = listener.packets.length;
  const payload = Buffer.alloc(160, byte);
  for (let i = 0; i < 250; i++) {
    const pkt = encodeRtp({ payloadType: 8, marker: i === 0, sequence: (byte * 256 + i) & 0xffff, timestamp: 1000 + i * 160, ssrc: 0x5eed00 + byte }, payload);
    await new Promise<void>((resolve, reject) => speaker.socket.send(pkt, toPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    if (patternPackets(listener, byte, before) >= 5) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the listener heard ${patternPackets(listener, byte, before)} of 5 packets the speaker sent to port ${toPort}`);
}

/** Audio (PCMA) `audio` received from packet `from` on, without test-pattern packets. */
export function heardSince(audio: CallerAudio, from: number): Buffer {
  const isPattern = (p: Buffer): boolean => PATTERNS.has(p[0]) && p.every((b) => b === p[0]);
  const packets = audio.packets.slice(from).filter((p) => p.payloadType === 8 && !isPattern(Buffer.from(p.payload)));
  return Buffer.concat(packets.map((p) => p.payload));
}

/**
 * Waits (bounded) until `audio` received `bytes` of audio since packet `from`, and says whether
 * it is the music-on-hold file from its start.
 */
export async function hearsMusicOnHold(audio: CallerAudio, from: number, bytes = 8000): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (heardSince(audio, from).length < bytes) {
    if (Date.now() > deadline) throw new Error(`heard ${heardSince(audio, from).length} of ${bytes} bytes of music on hold`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const moh = await expectedAudio(['moh/default']);
  return heardSince(audio, from).subarray(0, bytes).equals(moh.subarray(0, bytes));
}

/** A SIPp caller from the network running test/scenarios/<name>.xml to `dialled`, its RTP at `rtpPort`. */
export async function startCaller(rig: NumberRig, name: string, dialled: string, rtpPort: number, vars: Record<string, string> = {}): Promise<RunningSipp> {
  return startSipp({
    scenario: scenario(name),
    remote: rig.remote,
    localPort: await freePort(),
    calls: 1,
    timeoutMs: 40_000,
    vars: { caller: '0612345678', rtp: String(rtpPort), ...vars },
    extra: ['-s', dialled],
  });
}

/** Waits for every SIPp to finish and expects each to have completed its one call. */
export async function eachCompleted(...running: RunningSipp[]): Promise<SippResult[]> {
  const results = await Promise.all(running.map((r) => r.done));
  for (const r of results) expect(r.successful, describeRun(r)).toBe(1);
  return results;
}

/** A number whose plan forwards to account 202's phones: the connected call most tests start from. */
export const FORWARD_TO_202 = `
name: forward-202
start: doorverbinden
nodes:
  doorverbinden:
    type: forward
    to: { account: "202" }
    ringTimeoutMs: 10000
    onBusy: ophangen
    onNoAnswer: ophangen
    onFailure: ophangen
  ophangen: { type: hangup }
`;

/**
 * A number rig (media ports from `portMin`) with the forward-to-202 plan loaded, and fresh RTP
 * sockets for the caller and the phone in each test. Call at the top of a test file.
 */
export function useForwardRig(portMin: number): { rig: () => NumberRig; caller: () => CallerAudio; phone: () => CallerAudio } {
  let rig: NumberRig | undefined;
  let caller: CallerAudio | undefined;
  let phone: CallerAudio | undefined;
  beforeAll(async () => {
    rig = await startNumberRig(portMin);
    rig.writePlan('forward-202', FORWARD_TO_202);
    await rig.planLoaded('forward-202');
  }, 30_000);
  afterAll(() => rig?.stop());
  beforeEach(async () => {
    caller = await CallerAudio.open();
    phone = await CallerAudio.open();
  });
  afterEach(async () => {
    await caller?.close();
    await phone?.close();
  });
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is not set up`);
    return v;
  };
  return { rig: () => need(rig, 'rig'), caller: () => need(caller, 'caller'), phone: () => need(phone, 'phone') };
}
