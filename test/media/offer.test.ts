import alawmulaw from 'alawmulaw';
import * as sdpTransform from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { NoCommonCodecError } from '../../src/media/MediaErrors.js';
import { PromptLibrary } from '../../src/media/embedded/PromptLibrary.js';
import { FarEnd, useMediaServer, offer, PROMPT_DIR } from './farEnd.js';

const media = useMediaServer(47200);
const server = media.server;
const { alaw, mulaw } = alawmulaw;
const prompts = new PromptLibrary(PROMPT_DIR);

/** An answer is shaped like an offer: the far end's address and the formats it accepted. */
const answer = offer;

describe('offer mode', () => {
  it('an endpoint made without a remote SDP offers PCMA, PCMU and telephone-event, sendrecv, on its port', async () => {
    const ep = await server.createEndpoint({});
    const s = sdpTransform.parse(ep.localSdp);
    const m = s.media[0];
    expect(s.media).toHaveLength(1);
    expect(String(m.payloads)).toBe('8 0 101');
    expect(m.rtp.map((r) => `${r.payload} ${r.codec}/${r.rate}`)).toEqual(['8 PCMA/8000', '0 PCMU/8000', '101 telephone-event/8000']);
    expect(m.fmtp).toEqual([{ payload: 101, config: '0-16' }]);
    expect(m.direction).toBe('sendrecv');
    expect(m.port).toBe(ep.port);
    expect(m.port).toBeGreaterThanOrEqual(47200);
    expect(s.connection?.ip).toBe('127.0.0.1');
    expect(ep.offering).toBe(true);
    await ep.destroy();
  });

  it('createEndpoint({ remoteSdp: undefined }) also offers', async () => {
    const ep = await server.createEndpoint({ remoteSdp: undefined });
    expect(String(sdpTransform.parse(ep.localSdp).media[0].payloads)).toBe('8 0 101');
    await ep.destroy();
  });

  it('sends nothing before the answer: a prompt played meanwhile reaches no one', async () => {
    const ep = await server.createEndpoint({});
    await ep.play('nl/beep');
    expect(ep.counters.sent).toBe(0);
    await expect(ep.sendDtmf('1')).resolves.toBeUndefined();
    expect(ep.counters.sent).toBe(0);
    await ep.destroy();
  });

  it('after a PCMU answer it plays µ-law to the answerer, and keeps its offer as the local SDP', async () => {
    const ep = await server.createEndpoint({});
    const ours = ep.localSdp;
    await ep.modify(answer({ port: media.far.port, formats: [0, 101] }));
    expect(ep.offering).toBe(false);
    expect(ep.codec).toBe('PCMU');
    expect(ep.localSdp).toBe(ours);
    const pcm = await prompts.pcm('en/tot-ziens');
    const frames = Math.ceil(pcm.length / 160);
    await ep.play('en/tot-ziens');
    await media.far.until((p) => p.length >= frames);
    expect(media.far.packets).toHaveLength(frames);
    expect(media.far.packets.every((p) => p.payloadType === 0 && p.payload.length === 160)).toBe(true);
    const sent = Buffer.concat(media.far.packets.map((p) => p.payload));
    expect(sent.subarray(0, pcm.length).equals(Buffer.from(mulaw.encode(pcm)))).toBe(true);
    await ep.destroy();
  });

  it('uses the answer\'s first codec, even PCMU before PCMA', async () => {
    const ep = await server.createEndpoint({});
    await ep.modify(answer({ port: media.far.port, formats: [0, 8, 101] }));
    expect(ep.codec).toBe('PCMU');
    await ep.destroy();
  });

  it('refuses an answer without PCMA or PCMU and stays waiting for one', async () => {
    const ep = await server.createEndpoint({});
    await expect(ep.modify(answer({ port: media.far.port, formats: [18] }))).rejects.toBeInstanceOf(NoCommonCodecError);
    expect(ep.offering).toBe(true);
    await ep.destroy();
  });

  it('a later modify is a re-INVITE offer, which it answers', async () => {
    const ep = await server.createEndpoint({});
    await ep.modify(answer({ port: media.far.port, formats: [0, 101] }));
    await ep.modify(offer({ port: media.far.port, formats: [0, 8, 101] }));
    expect(ep.codec).toBe('PCMA');
    expect(String(sdpTransform.parse(ep.localSdp).media[0].payloads)).toBe('8 101');
    await ep.destroy();
  });

  it('bridged to a PCMA answering leg, it relays the audio as µ-law once answered with PCMU', async () => {
    const caller = await FarEnd.open();
    try {
      const callerEp = await server.createEndpoint({ remoteSdp: offer({ port: caller.port, formats: [8, 101] }) });
      const calleeEp = await server.createEndpoint({});
      await callerEp.bridge(calleeEp);
      const speech = await prompts.encoded('nl/welkom', 'PCMA');
      const chunk = speech.subarray(0, 160 * 10);
      // Before the answer the callee leg has no far end: the relayed audio goes nowhere.
      await caller.sendAudio(callerEp.port, 8, chunk);
      for (let i = 0; i < 100 && callerEp.counters.received < 10; i++) await new Promise((r) => setTimeout(r, 20));
      expect(callerEp.counters.received).toBe(10);
      expect(calleeEp.counters.sent).toBe(0);
      await calleeEp.modify(answer({ port: media.far.port, formats: [0, 101] }));
      await caller.sendAudio(callerEp.port, 8, chunk);
      await media.far.until((p) => p.length >= 10);
      expect(media.far.packets).toHaveLength(10);
      expect(media.far.packets.every((p) => p.payloadType === 0)).toBe(true);
      const relayed = Buffer.concat(media.far.packets.map((p) => p.payload));
      expect(Array.from(mulaw.decode(relayed))).toEqual(Array.from(mulaw.decode(mulaw.encode(alaw.decode(chunk)))));
      await callerEp.destroy();
      await calleeEp.destroy();
    } finally {
      await caller.close();
    }
  });
});
