import * as sdpTransform from 'sdp-transform';
import { afterEach, describe, expect, it } from 'vitest';
import { NoCommonCodecError } from '../../src/media/MediaErrors.js';
import { buildAnswer, negotiate } from '../../src/media/embedded/sdpNegotiation.js';
import { mediaServer, offer } from './farEnd.js';

const server = mediaServer(46000);
afterEach(async () => {
  expect(server.stats()).toEqual({ endpoints: 0, portsInUse: 0 });
});

function audio(sdp: string) {
  const s = sdpTransform.parse(sdp);
  return { s, m: s.media[0] };
}

describe('SDP offer/answer', () => {
  it('answers PCMA even when the offer lists PCMU first, with telephone-event at the offered payload type', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: 5000, formats: [0, 8, 96], tePt: 96 }) });
    const { s, m } = audio(ep.localSdp);
    expect(m.payloads).toBe('8 96');
    expect(m.rtp.map((r) => `${r.payload} ${r.codec}/${r.rate}`)).toEqual(['8 PCMA/8000', '96 telephone-event/8000']);
    expect(m.fmtp).toEqual([{ payload: 96, config: '0-16' }]);
    expect(m.port).toBe(ep.port);
    expect(m.port % 2).toBe(0);
    expect(m.port).toBeGreaterThanOrEqual(46000);
    expect(s.connection?.ip).toBe('127.0.0.1');
    expect(m.direction).toBe('sendrecv');
    expect(m.ptime).toBe(20);
    await ep.destroy();
  });

  it('falls back to PCMU when PCMA is not offered', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: 5000, formats: [18, 0, 101] }) });
    expect(ep.codec).toBe('PCMU');
    expect(audio(ep.localSdp).m.payloads).toBe('0 101');
    await ep.destroy();
  });

  it('answers without telephone-event when none is offered, and refuses sendDtmf', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: 5000, formats: [8] }) });
    expect(String(audio(ep.localSdp).m.payloads)).toBe('8');
    await expect(ep.sendDtmf('1')).rejects.toThrow(/telephone-event/);
    await ep.destroy();
  });

  it('rejects an offer without PCMA or PCMU with a 488-worthy error and takes no port', async () => {
    const err = await server.createEndpoint({ remoteSdp: offer({ port: 5000, formats: [18, 9, 101] }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoCommonCodecError);
    expect((err as NoCommonCodecError).sipStatus).toBe(488);
    expect((err as NoCommonCodecError).offered).toEqual(['G729/8000', 'G722/8000', 'TELEPHONE-EVENT/8000']);
    expect(server.stats()).toEqual({ endpoints: 0, portsInUse: 0 });
  });

  it('mirrors the direction: a sendonly offer (hold) gets recvonly; c=0.0.0.0 gets inactive', () => {
    const n = negotiate(offer({ port: 5000, direction: 'sendonly' }));
    expect(n).toMatchObject({ answerDirection: 'recvonly', weSend: false, theySend: true });
    const old = negotiate(offer({ port: 5000 }).replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0'));
    expect(old).toMatchObject({ answerDirection: 'inactive', weSend: false, theySend: false });
  });

  it('refuses a video m-line with port 0 and answers the audio one', () => {
    const sdp = offer({ port: 5000, extraMedia: 'm=video 5002 RTP/AVP 96\r\na=rtpmap:96 H264/90000' });
    const answer = sdpTransform.parse(buildAnswer(negotiate(sdp), { host: '10.0.0.1', port: 20000, sessionId: 1, version: 1 }));
    expect(answer.media.map((m) => [m.type, m.port])).toEqual([
      ['audio', 20000],
      ['video', 0],
    ]);
  });

  it('modify applies a re-INVITE: new codec and address, new o= version', async () => {
    const ep = await server.createEndpoint({ remoteSdp: offer({ port: 5000 }) });
    const v1 = audio(ep.localSdp).s.origin!.sessionVersion;
    await ep.modify(offer({ port: 5004, formats: [0, 101] }));
    expect(ep.codec).toBe('PCMU');
    expect(audio(ep.localSdp).s.origin!.sessionVersion).toBe(v1 + 1);
    await expect(ep.modify(offer({ port: 5004, formats: [18] }))).rejects.toBeInstanceOf(NoCommonCodecError);
    await ep.destroy();
  });
});
