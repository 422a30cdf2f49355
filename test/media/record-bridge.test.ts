import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import alawmulaw from 'alawmulaw';
import wavefile from 'wavefile';
import { afterAll, describe, expect, it } from 'vitest';
import { PromptLibrary } from '../../src/media/embedded/PromptLibrary.js';
import { decodeTelephoneEvent } from '../../src/media/embedded/telephoneEvent.js';
import { FarEnd, useMediaServer, offer, PROMPT_DIR } from './farEnd.js';

const media = useMediaServer(46400);
const server = media.server;
const { alaw, mulaw } = alawmulaw;
const { WaveFile } = wavefile;
const prompts = new PromptLibrary(PROMPT_DIR);
const dir = mkdtempSync(join(tmpdir(), 'media-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readWav(file: string): { rate: number; bits: string; samples: Int16Array } {
  const w = new WaveFile(readFileSync(file));
  const fmt = w.fmt as { sampleRate: number };
  return { rate: fmt.sampleRate, bits: w.bitDepth, samples: Int16Array.from(w.getSamples(false) as unknown as ArrayLike<number>) };
}

describe('record', () => {
  it('writes the received audio to an 8 kHz 16-bit WAV until the terminator', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const file = join(dir, 'msg.wav');
    const recording = ep.record(file, { maxSeconds: 10, terminators: '#' });
    const speech = await prompts.encoded('nl/welkom', 'PCMA');
    const whole = speech.subarray(0, Math.floor(speech.length / 160) * 160);
    await media.far.sendAudio(ep.port, 8, whole);
    await media.far.sendDigit(ep.port, 101, 11);
    const r = await recording;
    expect(r).toEqual({ seconds: whole.length / 8000, terminator: '#' });
    const wav = readWav(file);
    expect(wav.rate).toBe(8000);
    expect(wav.bits).toBe('16');
    expect(Array.from(wav.samples)).toEqual(Array.from(alaw.decode(whole)));
    await ep.destroy();
  });

  it('stops after the given silence', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const file = join(dir, 'silence.wav');
    const recording = ep.record(file, { maxSeconds: 10, silenceMs: 200 });
    const tone = await prompts.encoded('nl/beep', 'PCMA');
    await media.far.sendAudio(ep.port, 8, tone.subarray(0, 1600));
    // 400 ms of A-law silence: the recording ends after 200 ms of it.
    await media.far.sendAudio(ep.port, 8, new Uint8Array(3200).fill(0xd5));
    const r = await recording;
    expect(r.terminator).toBeUndefined();
    expect(r.seconds).toBeCloseTo(0.2 + 0.2, 5);
    expect(readWav(file).samples.length).toBe(3200);
    await ep.destroy();
  });

  it('keeps what was recorded when the caller hangs up', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const file = join(dir, 'hangup.wav');
    const recording = ep.record(file, { maxSeconds: 10 });
    await media.far.sendAudio(ep.port, 8, new Uint8Array(800).fill(0x55));
    while (ep.counters.received < 5) await new Promise((r) => setTimeout(r, 10));
    await ep.destroy();
    expect(await recording).toEqual({ seconds: 0.1 });
    expect(readWav(file).samples.length).toBe(800);
  });
});

describe('bridge', () => {
  it('relays audio between a PCMA and a PCMU leg, transcoding both ways, and passes DTMF through', async () => {
    const farB = await FarEnd.open();
    const a = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port, formats: [8, 101] }) });
    const b = await server.createEndpoint({ remoteSdp: offer({ port: farB.port, formats: [0, 96], tePt: 96 }) });
    expect([a.codec, b.codec]).toEqual(['PCMA', 'PCMU']);
    await a.bridge(b);
    const fromA = (await prompts.encoded('nl/doorverbinden', 'PCMA')).subarray(0, 160 * 25);
    const fromB = (await prompts.encoded('en/doorverbinden', 'PCMU')).subarray(0, 160 * 25);
    await media.far.sendAudio(a.port, 8, fromA);
    await farB.sendAudio(b.port, 0, fromB);
    await farB.until((p) => p.length >= 25);
    await media.far.until((p) => p.length >= 25);
    // B's media.far end hears A's caller in µ-law: the same audio, re-encoded.
    expect(farB.packets.every((p) => p.payloadType === 0 && p.payload.length === 160)).toBe(true);
    const heardByB = Buffer.concat(farB.packets.map((p) => p.payload));
    expect(heardByB.equals(Buffer.from(mulaw.encode(alaw.decode(fromA))))).toBe(true);
    const pcmA = alaw.decode(fromA);
    const pcmAtB = mulaw.decode(heardByB);
    const maxDiff = pcmA.reduce((m, v, i) => Math.max(m, Math.abs(v - pcmAtB[i])), 0);
    expect(maxDiff).toBeLessThan(1100); // G.711 quantization only
    // And A's media.far end hears B's caller in A-law.
    expect(media.far.packets.every((p) => p.payloadType === 8)).toBe(true);
    expect(Buffer.concat(media.far.packets.map((p) => p.payload)).equals(Buffer.from(alaw.encode(mulaw.decode(fromB))))).toBe(true);
    for (let i = 1; i < 25; i++) expect(farB.packets[i].sequence).toBe((farB.packets[i - 1].sequence + 1) & 0xffff);

    // DTMF from A's caller reaches B's media.far end as telephone-events at B's payload type.
    const digits: string[] = [];
    a.on('dtmf', (d) => digits.push(d.digit));
    await media.far.sendDigit(a.port, 101, 7);
    await farB.until((p) => p.filter((x) => x.payloadType === 96).length >= 7);
    const events = farB.packets.filter((x) => x.payloadType === 96).map((x) => decodeTelephoneEvent(x.payload)!);
    expect(events.every((e) => e.event === 7)).toBe(true);
    expect(events.filter((e) => e.end)).toHaveLength(3);
    expect(digits).toEqual(['7']);

    // After unbridge nothing is relayed.
    await a.unbridge();
    const n = farB.packets.length;
    await media.far.sendAudio(a.port, 8, fromA.subarray(0, 1600));
    await new Promise((r) => setTimeout(r, 100));
    expect(farB.packets.length).toBe(n);
    await Promise.all([a.destroy(), b.destroy()]);
    await farB.close();
  });

  it('destroying one leg ends the bridge', async () => {
    const farB = await FarEnd.open();
    const a = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const b = await server.createEndpoint({ remoteSdp: offer({ port: farB.port }) });
    await a.bridge(b);
    await b.destroy();
    await media.far.sendAudio(a.port, 8, new Uint8Array(1600).fill(0x55));
    await new Promise((r) => setTimeout(r, 50));
    // b is gone, a lives on and can play again.
    await a.play('nl/beep');
    await a.destroy();
    await farB.close();
    expect(farB.packets).toHaveLength(0);
  });
});
