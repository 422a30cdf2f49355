import alawmulaw from 'alawmulaw';
import { describe, expect, it } from 'vitest';
import { PromptLibrary } from '../../src/media/embedded/PromptLibrary.js';
import type { RtpPacket } from '../../src/media/embedded/rtp.js';
import { FarEnd, useMediaServer, offer, PROMPT_DIR } from './farEnd.js';

const media = useMediaServer(46100);
const server = media.server;
const { alaw, mulaw } = alawmulaw;
const prompts = new PromptLibrary(PROMPT_DIR);

/** Pads linear audio to whole 160-sample packets with A-law silence (0xD5 decodes to 8), as the engine does. */
function padded(pcm: Int16Array): Int16Array {
  const out = new Int16Array(Math.ceil(pcm.length / 160) * 160).fill(alaw.decodeSample(0xd5));
  out.set(pcm);
  return out;
}

function expectContinuous(packets: RtpPacket[]): void {
  for (let i = 1; i < packets.length; i++) {
    expect(packets[i].sequence).toBe((packets[i - 1].sequence + 1) & 0xffff);
    expect(packets[i].timestamp).toBe((packets[i - 1].timestamp + 160) >>> 0);
    expect(packets[i].ssrc).toBe(packets[0].ssrc);
  }
}

describe('play', () => {
  it('sends the prompt as 160-byte PCMA packets, in order, whose decoded audio is the prompt', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const pcm = padded(await prompts.pcm('nl/welkom'));
    const frames = pcm.length / 160;
    const r = await ep.play('nl/welkom');
    expect(r.playbackSeconds).toBeCloseTo(frames * 0.02, 5);
    await media.far.until((p) => p.length >= frames);
    const pkts = media.far.packets;
    expect(pkts).toHaveLength(frames);
    expect(pkts.every((p) => p.payloadType === 8 && p.payload.length === 160)).toBe(true);
    expect(pkts.map((p) => p.marker)).toEqual([true, ...Array(frames - 1).fill(false)]);
    expectContinuous(pkts);
    const received = alaw.decode(Buffer.concat(pkts.map((p) => p.payload)));
    // The WAV is A-law, so decoding what was sent gives back exactly the prompt's samples.
    expect(Array.from(received)).toEqual(Array.from(pcm));
    await ep.destroy();
  });

  it('plays a list of prompts as one talkspurt and continues sequence and timestamps into the next play', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const a = await prompts.pcm('nl/tarief-intro');
    const b = await prompts.pcm('nl/getallen/20');
    const first = Math.ceil((a.length + b.length) / 160);
    await ep.play(['nl/tarief-intro', 'nl/getallen/20']);
    await media.far.until((p) => p.length >= first);
    // A pause (the engine leaves the clock on its next tick), so the next play is a new talkspurt.
    await new Promise((r) => setTimeout(r, 100));
    const beep = padded(await prompts.pcm('nl/beep')).length / 160;
    await ep.play('nl/beep');
    await media.far.until((p) => p.length >= first + beep);
    const pkts = media.far.packets;
    expect(pkts).toHaveLength(first + beep);
    expectContinuous(pkts.slice(0, first));
    expectContinuous(pkts.slice(first));
    // A new talkspurt: marker set, sequence continues, timestamp moves on by at least one packet.
    expect(pkts[first].marker).toBe(true);
    expect(pkts[first].sequence).toBe((pkts[first - 1].sequence + 1) & 0xffff);
    expect(((pkts[first].timestamp - pkts[first - 1].timestamp) >>> 0) >= 160).toBe(true);
    expect(pkts[first].ssrc).toBe(pkts[0].ssrc);
    const audio = alaw.decode(Buffer.concat(pkts.slice(0, first).map((p) => p.payload)));
    expect(Array.from(audio.subarray(0, a.length))).toEqual(Array.from(a));
    expect(Array.from(audio.subarray(a.length, a.length + b.length))).toEqual(Array.from(b));
    await ep.destroy();
  });

  it('transcodes to PCMU for a PCMU leg', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port, formats: [0, 101] }) });
    await ep.play('en/tot-ziens');
    const pcm = await prompts.pcm('en/tot-ziens');
    const frames = Math.ceil(pcm.length / 160);
    await media.far.until((p) => p.length >= frames);
    expect(media.far.packets).toHaveLength(frames);
    expect(media.far.packets.every((p) => p.payloadType === 0 && p.payload.length === 160)).toBe(true);
    const sent = Buffer.concat(media.far.packets.map((p) => p.payload));
    expect(sent.subarray(0, pcm.length).equals(Buffer.from(mulaw.encode(pcm)))).toBe(true);
    expect([...sent.subarray(pcm.length)].every((b) => b === 0xff)).toBe(true);
    await ep.destroy();
  });

  it('several endpoints play at once on the shared clock, each stream complete and in order', async () => {
    const fars = await Promise.all([FarEnd.open(), FarEnd.open(), FarEnd.open()]);
    const eps = await Promise.all(fars.map((f) => server.createEndpoint({ remoteSdp: offer({ port: f.port }) })));
    const frames = padded(await prompts.pcm('nl/welkom')).length / 160;
    await Promise.all(eps.map((ep) => ep.play('nl/welkom')));
    for (const f of fars) {
      await f.until((p) => p.length >= frames);
      expect(f.packets).toHaveLength(frames);
      expectContinuous(f.packets);
    }
    expect(new Set(fars.map((f) => f.packets[0].ssrc)).size).toBe(3);
    expect(server.pacingStats().packets).toBeGreaterThanOrEqual(3 * frames);
    await Promise.all(eps.map((ep) => ep.destroy()));
    await Promise.all(fars.map((f) => f.close()));
  });

  it('sends nothing while the media.far end holds the call (sendonly), and resumes after', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    await ep.modify(offer({ port: media.far.port, direction: 'sendonly' }));
    await ep.play('nl/welkom');
    expect(media.far.packets).toHaveLength(0);
    await ep.modify(offer({ port: media.far.port }));
    await ep.play('nl/beep');
    const beep = padded(await prompts.pcm('nl/beep')).length / 160;
    await media.far.until((p) => p.length >= beep);
    expect(media.far.packets).toHaveLength(beep);
    await ep.destroy();
  });

  it('rejects a missing prompt with the path in the message', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    await expect(ep.play('nl/bestaat-niet')).rejects.toThrow(/nl\/bestaat-niet\.wav: file not found/);
    await ep.destroy();
  });

  it('stops and rejects a play whose signal aborts', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: media.far.port }) });
    const ac = new AbortController();
    const playing = ep.play('nl/gesloten', { signal: ac.signal });
    await media.far.until((p) => p.length >= 3);
    ac.abort();
    await expect(playing).rejects.toMatchObject({ name: 'AbortError' });
    const n = media.far.packets.length;
    await ep.play('nl/beep');
    const beep = padded(await prompts.pcm('nl/beep')).length / 160;
    await media.far.until((p) => p.length >= n + beep);
    expect(media.far.packets.length).toBe(n + beep);
    await ep.destroy();
  });
});
