/*
 * Hunt groups on live calls, end to end: a SIPp caller from the network dials a number whose plan
 * starts with a huntgroup node; SIPp instances play the members' registered desk phones. The test
 * listens on the caller's and the answering phone's RTP sockets, so it hears what they hear.
 */
import alawmulaw from 'alawmulaw';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeRtp } from '../../src/media/embedded/rtp.js';
import type { Account } from '../../src/store/StoreTypes.js';
import { groupNumber, invites, NO_ANSWER_PATH, nothingLeft, phone, PHONE_ANSWER, receivedAt, traced } from './phones.js';
import { registerPhone } from '../support/phones.js';
import { freePort } from '../support/ports.js';
import { describeRun, scenario, startSipp } from '../support/sipp.js';
import { CallerAudio, expectedAudio, startNumberRig, type NumberRig } from '../calls/rig.js';

const { alaw, mulaw } = alawmulaw;

function groupPlan(name: string, group: string): string {
  return `
name: ${name}
start: belgroep
nodes:
  belgroep:
${group.trim().split('\n').map((l) => `    ${l}`).join('\n')}
    onNoAnswer: onbereikbaar
    onBusy: bezet
  onbereikbaar: { type: announcement, prompts: [nl/niet-bereikbaar], next: ophangen }
  bezet: { type: announcement, prompts: [nl/bezet], next: ophangen }
  ophangen: { type: hangup }
`;
}

const PLANS: Record<string, string> = {
  'ring-all': groupPlan('ring-all', `
type: huntgroup
strategy: simultaneous
members: [{ account: "201" }, { account: "202" }]
ringTimeoutMs: 20000`),
  sequential: groupPlan('sequential', `
type: huntgroup
strategy: sequential
members: [{ account: "201" }, { account: "202" }, { account: "203" }]
memberRingMs: 2000
ringTimeoutMs: 20000`),
  'sequential-timeout': groupPlan('sequential-timeout', `
type: huntgroup
strategy: sequential
members: [{ account: "201" }, { account: "202" }, { account: "203" }]
memberRingMs: 3000
ringTimeoutMs: 5000`),
  'sequential-cycling': groupPlan('sequential-cycling', `
type: huntgroup
strategy: sequential
members: [{ account: "201" }, { account: "202" }]
memberRingMs: 2000
ringTimeoutMs: 10000`),
  'longest-idle': groupPlan('longest-idle', `
type: huntgroup
strategy: longest-idle
members: [{ account: "201" }, { account: "202" }]
memberRingMs: 5000`),
  'with-number': groupPlan('with-number', `
type: huntgroup
strategy: simultaneous
members: [{ account: "201" }, { number: "020 555 0100" }]
ringTimeoutMs: 20000`),
  'round-robin': groupPlan('round-robin', `
type: huntgroup
strategy: round-robin
members: [{ account: "201" }, { account: "202" }, { account: "203" }]
memberRingMs: 5000`),
};

let rig: NumberRig;
let audio: CallerAudio;

beforeAll(async () => {
  rig = await startNumberRig(46000);
  for (const [name, yaml] of Object.entries(PLANS)) rig.writePlan(name, yaml);
  for (const name of Object.keys(PLANS)) await rig.planLoaded(name);
}, 30_000);
afterAll(() => rig.stop());
beforeEach(async () => {
  audio = await CallerAudio.open();
});
afterEach(async () => {
  await audio.close();
});

/**
 * Makes `count` calls one after another, every member's phone ready to answer at once, and
 * returns who answered each. Only the member whose turn it was may ring: the others' phones must
 * see no INVITE. Nothing may be left behind after each call.
 */
async function callsAnsweredBy(n: { id: string; dial: string }, accounts: Account[], ports: number[], count: number): Promise<string[]> {
  const answeredBy: string[] = [];
  for (let call = 0; call < count; call++) {
    const phones = await Promise.all(ports.map((p) => phone(scenario('uas-answer-then-bye'), p)));
    const result = await rig.call('caller-wait-bye', n.dial, audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    const who = rig.ended.at(-1)!.answeredBy!.account!;
    answeredBy.push(who);
    const runs = await Promise.all(
      phones.map(async (p, i) => {
        if (accounts[i].username !== who) p.kill();
        return p.done;
      }),
    );
    expect(runs.map(invites)).toEqual(accounts.map((a) => (a.username === who ? 1 : 0)));
    await nothingLeft(rig, n.id, accounts);
  }
  return answeredBy;
}

/** Packet `n` (20 ms, 8 kHz linear) of a tone that swells, so no two packets are alike. */
function tone(hz: number, n: number): Int16Array {
  return Int16Array.from({ length: 160 }, (_, i) => Math.round((2000 + 50 * n) * Math.sin((2 * Math.PI * hz * (n * 160 + i)) / 8000)));
}

function send(from: CallerAudio, to: number, pt: number, seq: number, payload: Uint8Array): Promise<void> {
  const pkt = encodeRtp({ payloadType: pt, marker: seq === 0, sequence: seq, timestamp: seq * 160, ssrc: 0xbeef + pt }, payload);
  return new Promise((r, j) => from.socket.send(pkt, to, '127.0.0.1', (e) => (e ? j(e) : r())));
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Where `needle` packets appear in `packets` back to back (-1 when they do not). */
function runAt(packets: Buffer[], needle: Buffer[]): number {
  const start = packets.findIndex((p) => p.equals(needle[0]));
  if (start < 0) return -1;
  return needle.every((n, i) => packets[start + i]?.equals(n)) ? start : -1;
}

describe('a ring-all hunt group', () => {
  it('rings every phone of every member; when one answers the others get CANCEL before the caller is bridged, and audio flows both ways with PCMA and PCMU transcoded', async () => {
    const n = await groupNumber(rig, 'ring-all');
    const [p201a, p201b, p202] = await Promise.all([freePort(), freePort(), freePort()]);
    const a201 = await registerPhone(rig, '201', [p201a, p201b]);
    const a202 = await registerPhone(rig, '202', [p202]);
    const phoneAudio = await CallerAudio.open();
    try {
      const losers = await Promise.all([phone(scenario('uas-ring-wait-cancel'), p201a), phone(scenario('uas-ring-wait-cancel'), p201b)]);
      const winner = await phone(PHONE_ANSWER, p202, { answerAfterMs: 1500, rtp: phoneAudio.port });
      const call = await rig.startCall('caller-hangup', n.dial, audio.port, { pauseMs: 7000 });

      // While the phones ring the caller hears the Dutch ringback tone.
      await audio.until(800);
      const ringback = await expectedAudio(['tones/ringback']);
      expect(audio.audio().subarray(0, 800).equals(ringback.subarray(0, 800))).toBe(true);

      // The caller talks (PCMA) from the moment its media is up; the phone hears it once bridged.
      const callerEp = audio.from!.port;
      const spoken: Buffer[] = [];
      for (let k = 0; k < 400 && phoneAudio.audio(0).length < 160 * 20; k++) {
        const payload = Buffer.from(alaw.encode(tone(440, k)));
        spoken.push(payload);
        await send(audio, callerEp, 8, k, payload);
        await new Promise((r) => setTimeout(r, 20));
      }
      // Byte for byte: what the phone (PCMU) got is the caller's A-law re-encoded as µ-law.
      const heardByPhone = phoneAudio.packets.filter((p) => p.payloadType === 0).map((p) => p.payload);
      expect(heardByPhone.length).toBeGreaterThanOrEqual(20);
      const asMulaw = spoken.map((s) => Buffer.from(mulaw.encode(alaw.decode(s))));
      expect(runAt(asMulaw, heardByPhone)).toBeGreaterThanOrEqual(0);

      // The phone answers back (PCMU); the caller hears it as A-law.
      const calleeEp = phoneAudio.from!.port;
      const answered: Buffer[] = [];
      const memberTalksAt = Date.now();
      for (let k = 0; k < 25; k++) {
        const payload = Buffer.from(mulaw.encode(tone(1000, k)));
        answered.push(payload);
        await send(phoneAudio, calleeEp, 0, k, payload);
        await new Promise((r) => setTimeout(r, 20));
      }
      const asAlaw = answered.map((a) => Buffer.from(alaw.encode(mulaw.decode(a))));
      await until('the caller heard the phone', () => runAt(audio.packets.filter((p) => p.payloadType === 8).map((p) => p.payload), asAlaw) >= 0);

      const result = await call.done;
      expect(result.successful, describeRun(result)).toBe(1);
      const [w, ...ls] = await Promise.all([winner.done, ...losers.map((l) => l.done)]);
      expect(w.successful, describeRun(w)).toBe(1);
      for (const l of ls) {
        // Each of 201's phones rang (180) and was cancelled (CANCEL, 487, ACK).
        expect(l.successful, describeRun(l)).toBe(1);
        // No phone kept ringing into the conversation: the member talks only after hearing the caller across the bridge.
        expect(receivedAt(l, 'CANCEL')).toBeLessThanOrEqual(memberTalksAt);
      }
      const summary = rig.ended.at(-1)!;
      expect(summary).toMatchObject({ numberId: n.id, end: 'answered', answeredBy: { account: '202', accountId: a202.id, contact: `sip:202@127.0.0.1:${p202}` } });
      expect(summary.path.map((p) => [p.node, p.outcome])).toEqual([['belgroep', 'answered']]);
      await nothingLeft(rig, n.id, [a201, a202]);
    } finally {
      await phoneAudio.close();
    }
  }, 60_000);
});

describe('a sequential hunt group', () => {
  it('rings one member at a time in order: the first until its ring time is up, then one that is busy, then the next, who answers', async () => {
    const n = await groupNumber(rig, 'sequential');
    const [p201, p202, p203] = await Promise.all([freePort(), freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '201', [p201]), await registerPhone(rig, '202', [p202]), await registerPhone(rig, '203', [p203])];
    const first = await phone(scenario('uas-ring-wait-cancel'), p201);
    const busy = await phone(scenario('uas-486'), p202);
    const third = await phone(scenario('uas-answer-then-bye'), p203);
    const result = await rig.call('caller-wait-bye', n.dial, audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    const [r1, r2, r3] = await Promise.all([first.done, busy.done, third.done]);
    for (const r of [r1, r2, r3]) expect(r.successful, describeRun(r)).toBe(1);
    // In order: 201 rang alone (for most of its 2 s ring time) before 202 was tried, and 203 was
    // rung only because 202 said busy.
    expect(receivedAt(r2, 'INVITE') - receivedAt(r1, 'INVITE')).toBeGreaterThanOrEqual(1000);
    expect(receivedAt(r2, 'SIP/2.0 486', 'sent')).toBeLessThanOrEqual(receivedAt(r3, 'INVITE'));
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'answered', answeredBy: { account: '203' } });
    await nothingLeft(rig, n.id, accounts);
  }, 60_000);

  it('gives up when the group\'s ring timeout passes: the third member never rings and the caller hears the no-answer fallback', async () => {
    const n = await groupNumber(rig, 'sequential-timeout');
    const [p201, p202, p203] = await Promise.all([freePort(), freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '201', [p201]), await registerPhone(rig, '202', [p202]), await registerPhone(rig, '203', [p203])];
    const first = await phone(scenario('uas-ring-wait-cancel'), p201);
    const second = await phone(scenario('uas-ring-wait-cancel'), p202);
    const third = await phone(PHONE_ANSWER, p203);
    const result = await rig.call('caller-wait-bye', n.dial, audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    const [r1, r2] = await Promise.all([first.done, second.done]);
    expect(r1.successful, describeRun(r1)).toBe(1);
    expect(r2.successful, describeRun(r2)).toBe(1);
    third.kill();
    expect(invites(await third.done)).toBe(0);
    // Ringback while they rang, then the announcement to its end.
    const heard = audio.audio();
    const ringback = await expectedAudio(['tones/ringback']);
    const fallback = await expectedAudio(['nl/niet-bereikbaar']);
    expect(heard.subarray(0, 8000).equals(ringback.subarray(0, 8000))).toBe(true);
    expect(heard.subarray(heard.length - fallback.length).equals(fallback)).toBe(true);
    expect(rig.ended.at(-1)!.path.map((p) => [p.node, p.outcome])).toEqual(NO_ANSWER_PATH);
    await nothingLeft(rig, n.id, accounts);
  }, 60_000);

  it('goes round again while the group\'s ring time allows: 201 and 202 ring out in turn, then 201 rings again and answers', async () => {
    const n = await groupNumber(rig, 'sequential-cycling');
    const [p201, p202] = await Promise.all([freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '201', [p201]), await registerPhone(rig, '202', [p202])];
    const first = await phone(scenario('huntgroups/phone-ring-twice'), p201, { calls: 2 });
    const second = await phone(scenario('uas-ring-wait-cancel'), p202);
    const result = await rig.call('caller-wait-bye', n.dial, audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    const [r1, r2] = await Promise.all([first.done, second.done]);
    expect(r1.successful, describeRun(r1)).toBe(2);
    expect(r2.successful, describeRun(r2)).toBe(1);
    expect(invites(r1)).toBe(2);
    expect(invites(r2)).toBe(1);
    // 202's turn came between 201's two: its INVITE after 201 was cancelled, before 201 rang again.
    const at201 = traced(r1).filter((m) => m.firstLine.startsWith('INVITE ')).map((m) => m.at);
    // Each SIPp process stamps a message when it gets to it (ms resolution), so two processes' logs
    // may disagree by a millisecond or so; a wrong order would be off by a whole ring time (2 s+).
    const skew = 100;
    expect(receivedAt(r2, 'INVITE')).toBeGreaterThanOrEqual(receivedAt(r1, 'CANCEL') - skew);
    expect(at201[1]).toBeGreaterThanOrEqual(receivedAt(r2, 'CANCEL') - skew);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'answered', answeredBy: { account: '201' } });
    await nothingLeft(rig, n.id, accounts);
  }, 60_000);

  it('a caller who hangs up while a member rings cancels that phone; nobody else rings and nothing is left behind', async () => {
    const n = await groupNumber(rig, 'sequential');
    const [p201, p202] = await Promise.all([freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '201', [p201]), await registerPhone(rig, '202', [p202])];
    const ringing = await phone(scenario('uas-ring-wait-cancel'), p201);
    const next = await phone(PHONE_ANSWER, p202);
    const result = await rig.call('caller-hangup', n.dial, audio.port, { pauseMs: 1000 });
    expect(result.successful, describeRun(result)).toBe(1);
    const rang = await ringing.done;
    expect(rang.successful, describeRun(rang)).toBe(1);
    next.kill();
    expect(invites(await next.done)).toBe(0);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'caller-hungup' });
    expect(rig.ended.at(-1)!.path.map((p) => [p.node, p.outcome])).toEqual([['belgroep', 'caller hung up']]);
    await nothingLeft(rig, n.id, accounts);
  }, 60_000);
});

describe('a round-robin hunt group', () => {
  it('starts each call after the member who answered the last one, wrapping around', async () => {
    const n = await groupNumber(rig, 'round-robin');
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '201', [ports[0]]), await registerPhone(rig, '202', [ports[1]]), await registerPhone(rig, '203', [ports[2]])];
    expect(await callsAnsweredBy(n, accounts, ports, 4)).toEqual(['201', '202', '203', '201']);
  }, 90_000);
});

describe('a longest-idle hunt group', () => {
  it('rings the member whose last call ended longest ago first, as the store has it from every app instance', async () => {
    const n = await groupNumber(rig, 'longest-idle');
    const ports = await Promise.all([freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '201', [ports[0]]), await registerPhone(rig, '202', [ports[1]])];
    // Another instance saw 201 finish a call just now and 202 an hour ago.
    await rig.store.huntGroups.ended(rig.customerId, 'account:201', Date.now());
    await rig.store.huntGroups.ended(rig.customerId, 'account:202', Date.now() - 3_600_000);
    // 202 was idle longest; after its call 201 was.
    expect(await callsAnsweredBy(n, accounts, ports, 2)).toEqual(['202', '201']);
  }, 60_000);
});

describe('external numbers in a hunt group', () => {
  it('rings an external number through the trunk alongside the phones; the trunk answers and the phone is cancelled', async () => {
    const n = await groupNumber(rig, 'with-number');
    const p201 = await freePort();
    const a201 = await registerPhone(rig, '201', [p201]);
    const desk = await phone(scenario('uas-ring-wait-cancel'), p201);
    const trunk = await startSipp({ scenario: scenario('uas-answer-then-bye'), localPort: rig.trunkPort, calls: 1, timeoutMs: 20_000 });
    const result = await rig.call('caller-wait-bye', n.dial, audio.port);
    expect(result.successful, describeRun(result)).toBe(1);
    const [d, t] = await Promise.all([desk.done, trunk.done]);
    expect(d.successful, describeRun(d)).toBe(1);
    expect(t.successful, describeRun(t)).toBe(1);
    expect(t.messages).toMatch(/INVITE sip:\+31205550100@127\.0\.0\.1/);
    expect(rig.ended.at(-1)).toMatchObject({ numberId: n.id, end: 'answered', answeredBy: { number: '+31205550100' } });
    await nothingLeft(rig, n.id, [a201]);
  }, 60_000);
});

describe('busy members', () => {
  it('skips a member at its channel limit; when everyone reachable is busy the caller hears the busy fallback', async () => {
    const n = await groupNumber(rig, 'ring-all');
    const [p201, p202] = await Promise.all([freePort(), freePort()]);
    const a201 = await registerPhone(rig, '201', [p201]);
    const a202 = await registerPhone(rig, '202', [p202]);
    // 201 already has two calls (on another app instance, say): both its channels are taken.
    await rig.store.leases.acquire(`account:${a201.id}`, 'other-call-1', 2, 60_000);
    await rig.store.leases.acquire(`account:${a201.id}`, 'other-call-2', 2, 60_000);
    try {
      const atLimit = await phone(PHONE_ANSWER, p201);
      const busy = await phone(scenario('uas-486'), p202);
      const result = await rig.call('caller-wait-bye', n.dial, audio.port);
      expect(result.successful, describeRun(result)).toBe(1);
      const r202 = await busy.done;
      expect(r202.successful, describeRun(r202)).toBe(1);
      atLimit.kill();
      expect(invites(await atLimit.done)).toBe(0);
      const heard = audio.audio();
      const bezet = await expectedAudio(['nl/bezet']);
      expect(heard.subarray(heard.length - bezet.length).equals(bezet)).toBe(true);
      expect(rig.ended.at(-1)!.path.map((p) => [p.node, p.outcome])).toEqual([
        ['belgroep', 'busy'],
        ['bezet', 'played'],
        ['ophangen', 'hung up (normal)'],
      ]);
      expect(await rig.store.leases.count(`account:${a201.id}`)).toBe(2);
    } finally {
      await rig.store.leases.release(`account:${a201.id}`, 'other-call-1');
      await rig.store.leases.release(`account:${a201.id}`, 'other-call-2');
    }
    await nothingLeft(rig, n.id, [a201, a202]);
  }, 60_000);

  it('keeps to the 2-channel limit with its own calls: a member in two hunt-group calls is skipped for the third', async () => {
    const lines = [await groupNumber(rig, 'sequential'), await groupNumber(rig, 'sequential')];
    const [p201, p202, p203] = await Promise.all([freePort(), freePort(), freePort()]);
    const accounts = [await registerPhone(rig, '201', [p201]), await registerPhone(rig, '202', [p202]), await registerPhone(rig, '203', [p203])];
    const second = await CallerAudio.open();
    const third = await CallerAudio.open();
    try {
      const phone201 = await phone(PHONE_ANSWER, p201, { calls: 2, answerAfterMs: 200 });
      const phone202 = await phone(PHONE_ANSWER, p202, { calls: 1, answerAfterMs: 200 });
      const phone203 = await phone(PHONE_ANSWER, p203, { calls: 1, answerAfterMs: 200 });
      const calls = [];
      calls.push(await rig.startCall('caller-hangup', lines[0].dial, audio.port, { pauseMs: 8000 }));
      await until('201 answered the first call', async () => (await rig.store.leases.count(`account:${accounts[0].id}`)) === 1);
      calls.push(await rig.startCall('caller-hangup', lines[0].dial, second.port, { pauseMs: 8000 }));
      await until('201 answered the second call', async () => (await rig.store.leases.count(`account:${accounts[0].id}`)) === 2);
      calls.push(await rig.startCall('caller-hangup', lines[1].dial, third.port, { pauseMs: 4000 }));
      await until('202 answered the third call', async () => (await rig.store.leases.count(`account:${accounts[1].id}`)) === 1);
      const results = await Promise.all(calls.map((c) => c.done));
      for (const r of results) expect(r.successful, describeRun(r)).toBe(1);
      const [r201, r202] = await Promise.all([phone201.done, phone202.done]);
      expect(r201.successful, describeRun(r201)).toBe(2);
      expect(r202.successful, describeRun(r202)).toBe(1);
      phone203.kill();
      expect(invites(await phone203.done)).toBe(0);
      // The third call skipped 201 without ringing it: its phone saw exactly two INVITEs.
      expect(invites(r201)).toBe(2);
      expect(rig.ended.slice(-3).map((s) => s.answeredBy?.account).sort()).toEqual(['201', '201', '202']);
    } finally {
      await second.close();
      await third.close();
    }
    for (const line of lines) await nothingLeft(rig, line.id, accounts);
  }, 90_000);
});
