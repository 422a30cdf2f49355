import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import wavefile from 'wavefile';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { describeRun, type SippResult } from '../support/sipp.js';
import { BEEP, DEFAULT_GREETING } from '../../src/voicemail/prompts.js';
import { CallerAudio, expectedAudio } from '../calls/rig.js';
import { CALLER, pcapAudioPackets, startVoicemailRig, writeNoisePcap, type VoicemailRig } from './rig.js';

const { WaveFile } = wavefile;

/*
 * Voicemail end to end: a SIPp caller dials a number whose plan is a voicemail node, hears the
 * greeting and the beep and plays a pcap of speech; the message lands in the box, in the
 * mailboxes of the box (WAV attached, holding the caller's audio) and on the owners' phones as
 * message-waiting NOTIFYs, one phone subscribed, one merely registered.
 */

let rig: VoicemailRig;
let ear: CallerAudio;
beforeAll(async () => {
  rig = await startVoicemailRig(47800);
});
beforeEach(async () => {
  ear = await CallerAudio.open();
});
afterEach(async () => {
  await ear?.close();
});
afterAll(async () => {
  await rig?.stop();
});

function wavSamples(bytes: Buffer): { rate: number; samples: Int16Array } {
  const wav = new WaveFile(bytes);
  const fmt = wav.fmt as { sampleRate: number; bitsPerSample: number; numChannels: number };
  expect([fmt.bitsPerSample, fmt.numChannels]).toEqual([16, 1]);
  return { rate: fmt.sampleRate, samples: wav.getSamples(false, Int16Array) as unknown as Int16Array };
}

/** How many of the caller's packets appear in the recording, each after the previous one (exact samples: PCMA end to end). */
function packetsFoundInOrder(recording: Int16Array, packets: Int16Array[]): number {
  let at = 0;
  let found = 0;
  for (const p of packets) {
    for (let i = at; i + p.length <= recording.length; i++) {
      if (recording[i] !== p[0]) continue;
      let same = true;
      for (let k = 1; k < p.length && same; k++) same = recording[i + k] === p[k];
      if (same) {
        found++;
        at = i + p.length;
        break;
      }
    }
  }
  return found;
}

function rmsOf(s: Int16Array): number {
  let sum = 0;
  for (const v of s) sum += v * v;
  return Math.sqrt(sum / Math.max(1, s.length));
}

/** The NOTIFY requests in a SIPp message trace, in order. */
function notifies(result: SippResult): string[] {
  return [...(result.messages ?? '').matchAll(/^NOTIFY sip:[\s\S]*?(?=\n-{5,}|\n\n\n|$(?![\s\S]))/gm)].map((m) => m[0]);
}

function voiceCounts(notify: string): string | undefined {
  return /Voice-Message: (\d+\/\d+)/.exec(notify)?.[1];
}

function expectOk(result: SippResult): void {
  expect(result.code, describeRun(result)).toBe(0);
}

function wavAttachment(mail: ParsedMail): Buffer {
  const wav = mail.attachments.filter((a) => a.contentType === 'audio/wav');
  expect(wav).toHaveLength(1);
  return wav[0]!.content;
}

describe('voicemail', () => {
  it("a caller's message is stored, mailed with their own audio, and lights both owners' phones", async () => {
    const phonePort = await freePort();
    // Registering, the phone learns the box is empty (unsolicited NOTIFY right after the 200).
    const registration = await rig.registerExpectingMwi(phonePort, rig.registered);
    expectOk(registration);
    expect(notifies(registration).map(voiceCounts), describeRun(registration)).toEqual(['0/0']);
    // 3 unsolicited NOTIFYs more: the new message, marked heard, deleted.
    const phone = await rig.startPhone('voicemail/mwi-phone.xml', { port: phonePort, username: rig.registered.username, calls: 3 });
    const subscriber = await rig.startPhone('voicemail/mwi-subscriber.xml', { port: await freePort(), username: rig.subscriber.username, password: rig.subscriber.password, uac: true });
    const initial = await rig.notified(rig.subscriber.id, 'dialog', 1);
    expect(voiceCounts(initial[0]!.body)).toBe('0/0');
    expect(rig.mwi.activeSubscriptions()).toBe(1);

    expectOk(await rig.call('caller-message', { rtp: ear.port }));
    const [mail] = await rig.smtp.waitForMails(1, 30_000);
    await rig.settled();
    // The caller heard the default greeting and the beep, and nothing else.
    expect(ear.audio().equals(await expectedAudio([DEFAULT_GREETING, BEEP]))).toBe(true);

    // The box holds one message with the caller's number and the called number.
    const messages = await rig.store.voicemail.listMessages(rig.box.id);
    expect(messages).toHaveLength(1);
    const message = messages[0]!;
    expect(message).toMatchObject({ caller: CALLER, calledNumber: '+31851234567', heard: false });

    // The mail goes to the box's addresses, says who called, and carries the recording.
    expect((mail!.to as { value: { address: string }[] }).value.map((v) => v.address)).toEqual(['helpdesk@example.nl', 'teamleider@example.nl']);
    expect(mail!.subject).toContain(CALLER);
    expect(mail!.subject).toContain('Helpdesk');
    expect(mail!.text).toContain('+31851234567');
    const { rate, samples } = wavSamples(wavAttachment(mail!));
    expect(rate).toBe(8000);
    // The recording is the caller's audio: every packet of the pcap, in order, sample for sample.
    const packets = pcapAudioPackets();
    expect(packetsFoundInOrder(samples, packets)).toBeGreaterThanOrEqual(Math.floor(packets.length * 0.95));
    // And nothing else of substance: no greeting or beep recorded (what is not the pcap is silence).
    const callerSamples = packets.reduce((n, p) => n + p.length, 0);
    expect(samples.length).toBeGreaterThanOrEqual(callerSamples * 0.95);
    expect(samples.length).toBeLessThan(callerSamples + 8000 * 2);
    expect(rmsOf(samples)).toBeGreaterThan(300);
    // The stored WAV is the one that was mailed.
    expect(readFileSync(rig.voicemail.messageFile(rig.box.id, message.id)).equals(wavAttachment(mail!))).toBe(true);

    // Both phones learn: 1 new message.
    const afterMessage = [(await rig.notified(rig.subscriber.id, 'dialog', 2))[1]!, (await rig.notified(rig.registered.id, 'unsolicited', 2))[1]!];
    for (const n of afterMessage) expect(n.body).toMatch(/Messages-Waiting: yes\r\nMessage-Account: sip:20[12]@contactsuite.test\r\nVoice-Message: 1\/0 \(0\/0\)/);

    // Marked heard: no message waiting, one old.
    await rig.voicemail.setHeard(rig.box, message.id, true);
    await rig.notified(rig.subscriber.id, 'dialog', 3);
    await rig.notified(rig.registered.id, 'unsolicited', 3);
    // The subscriber refreshes its subscription and gets the state again.
    await rig.notified(rig.subscriber.id, 'dialog', 4);
    // Deleted: nothing left.
    expect(await rig.voicemail.deleteMessage(rig.box, message.id)).toBe(true);
    await rig.notified(rig.registered.id, 'unsolicited', 4);

    const subscriberRun = await subscriber.done;
    const phoneRun = await phone.done;
    expectOk(subscriberRun);
    expectOk(phoneRun);
    // What the subscribed phone saw, in order: the state, the message, heard, refresh, deleted, terminated.
    const seen = notifies(subscriberRun);
    expect(seen.map(voiceCounts), describeRun(subscriberRun)).toEqual(['0/0', '1/0', '0/1', '0/1', '0/0', '0/0']);
    for (const n of seen) {
      expect(n).toMatch(/^Event: message-summary\s*$/im);
      expect(n).toMatch(/^Content-Type: application\/simple-message-summary\s*$/im);
    }
    expect(seen[1]).toMatch(/Messages-Waiting: yes/);
    expect(seen[2]).toMatch(/Messages-Waiting: no/);
    expect(seen.slice(0, 5).every((n) => /^Subscription-State: active;expires=\d+/im.test(n))).toBe(true);
    expect(seen[5]).toMatch(/^Subscription-State: terminated/im);
    expect(rig.mwi.activeSubscriptions()).toBe(0);
    // The registered phone got the same changes without subscribing.
    const unsolicited = notifies(phoneRun);
    expect(unsolicited.map(voiceCounts), describeRun(phoneRun)).toEqual(['1/0', '0/1', '0/0']);
    expect(unsolicited[0]).toMatch(/Messages-Waiting: yes/);
    expect(unsolicited[0]).toMatch(/^Event: message-summary\s*$/im);
  }, 120_000);

  it('a desk phone that registers gets the current message counts at once, not at the next change', async () => {
    // One new and one heard message, stored without any change being announced.
    const base = { boxId: rig.box.id, customerId: rig.box.customerId, caller: CALLER, calledNumber: '+31851234567', durationSeconds: 4 };
    const unheard = await rig.store.voicemail.addMessage({ ...base, receivedAt: Date.now() - 60_000 });
    const heard = await rig.store.voicemail.addMessage({ ...base, receivedAt: Date.now() - 30_000 });
    await rig.store.voicemail.setHeard(rig.box.id, heard.id, true);
    const before = rig.notifications.length;
    try {
      const registration = await rig.registerExpectingMwi(await freePort(), rig.subscriber);
      expectOk(registration);
      const [notify] = notifies(registration);
      expect(voiceCounts(notify ?? ''), describeRun(registration)).toBe('1/1');
      expect(notify).toMatch(/Messages-Waiting: yes\s+Message-Account: sip:201@contactsuite\.test/);
      expect(notify).toMatch(/^Event: message-summary\s*$/im);
      expect(notify).toMatch(/^Content-Type: application\/simple-message-summary\s*$/im);

      // An account that owns no box has no lamp to light: registering sends it nothing.
      await rig.store.voicemail.updateBox(rig.box.id, { ownerAccountIds: [rig.subscriber.id] });
      const port = await freePort();
      expectOk(await rig.register(port, rig.registered));
      // Whatever the registration started is queued before this call and done when it resolves.
      await rig.mwi.phoneRegistered(rig.registered.id, await rig.store.locations.list(rig.registered.id));
      expect(rig.notifications.slice(before).map((n) => n.accountId)).toEqual([rig.subscriber.id]);
    } finally {
      await rig.store.voicemail.updateBox(rig.box.id, { ownerAccountIds: [rig.subscriber.id, rig.registered.id] });
      for (const m of [unheard, heard]) await rig.store.voicemail.deleteMessage(rig.box.id, m.id);
    }
  }, 60_000);

  it('a SUBSCRIBE for another event package gets 489; a wrong password never gets a subscription', async () => {
    const before = rig.notifications.length;
    const run = await rig.startPhone('voicemail/mwi-refused.xml', { port: await freePort(), username: rig.subscriber.username, password: 'wrong-password', timeoutMs: 15_000, uac: true });
    expectOk(await run.done);
    expect(rig.mwi.activeSubscriptions()).toBe(0);
    expect(rig.notifications.length).toBe(before);
  }, 30_000);

  it("with the box's own greeting; '#' ends the message, the plan hangs up and the message is kept", async () => {
    // Any prompt will do as the box's greeting (an upload is 'custom/<customer>/<id>').
    await rig.store.voicemail.updateBox(rig.box.id, { greeting: 'nl/welkom' });
    const before = rig.smtp.mails.length;
    try {
      expectOk(await rig.call('caller-pound', { rtp: ear.port }));
    } finally {
      await rig.store.voicemail.updateBox(rig.box.id, { greeting: undefined });
    }
    const mails = await rig.smtp.waitForMails(before + 1, 30_000);
    await rig.settled();
    expect(ear.audio().equals(await expectedAudio(['nl/welkom', BEEP]))).toBe(true);
    const messages = await rig.store.voicemail.listMessages(rig.box.id);
    expect(messages).toHaveLength(1);
    const { samples } = wavSamples(wavAttachment(mails[before]!));
    const packets = pcapAudioPackets();
    expect(packetsFoundInOrder(samples, packets)).toBeGreaterThanOrEqual(Math.floor(packets.length * 0.95));
    await rig.voicemail.deleteMessage(rig.box, messages[0]!.id);
  }, 60_000);

  it('a caller whose line carries only faint noise leaves no message and no mail', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sipp-quiet-'));
    // 5 s of white noise at RMS 100 (about -50 dBFS): audio flows, but nobody speaks.
    writeNoisePcap(join(cwd, 'quiet.pcap'), 5, 100);
    const noise = pcapAudioPackets(join(cwd, 'quiet.pcap'));
    expect(noise).toHaveLength(250);
    expect(rmsOf(Int16Array.from(noise.flatMap((p) => [...p])))).toBeGreaterThan(80);
    const before = rig.smtp.mails.length;
    const attempts = rig.smtp.attempts();
    try {
      expectOk(await rig.call('caller-quiet', { rtp: ear.port, cwd }));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
    await rig.settled();
    expect(await rig.store.voicemail.listMessages(rig.box.id)).toEqual([]);
    expect(await rig.outbox.pending()).toBe(0);
    expect(rig.smtp.mails.length).toBe(before);
    expect(rig.smtp.attempts()).toBe(attempts);
  }, 60_000);

  it('a message left while the mail server is down is mailed once it is back, exactly once', async () => {
    const before = rig.smtp.mails.length;
    await rig.smtp.stop();
    try {
      expectOk(await rig.call('caller-message', { rtp: ear.port }));
      await rig.settled();
      expect(await rig.store.voicemail.listMessages(rig.box.id)).toHaveLength(1);
      // Retried a few times meanwhile (200 ms doubling to 800 ms), still waiting on disk.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await rig.outbox.pending()).toBe(1);
      expect(rig.smtp.mails.length).toBe(before);
    } finally {
      await rig.smtp.start();
    }
    const mails = await rig.smtp.waitForMails(before + 1, 20_000);
    for (let i = 0; i < 200 && (await rig.outbox.pending()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await rig.outbox.pending()).toBe(0);
    // Longer than the largest backoff: no second copy.
    await new Promise((r) => setTimeout(r, 1500));
    expect(rig.smtp.mails.length).toBe(before + 1);
    const { samples } = wavSamples(wavAttachment(mails[before]!));
    expect(packetsFoundInOrder(samples, pcapAudioPackets())).toBeGreaterThan(0);
  }, 90_000);
});
