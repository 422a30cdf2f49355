import * as sdpTransform from 'sdp-transform';
import { NoCommonCodecError } from '../MediaErrors.js';
import type { Codec } from './EmbeddedMediaServerTypes.js';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The outcome of answering one SDP offer. */
export interface Negotiated {
  codec: Codec;
  /** Payload type of the chosen codec, as offered. */
  payloadType: number;
  /** telephone-event payload type, as offered (RFC 4733 §7.1.1), if offered. */
  telephoneEventPt?: number;
  remoteHost: string;
  remotePort: number;
  /** Whether we may send (the far end receives) and whether the far end sends to us. */
  weSend: boolean;
  theySend: boolean;
  /** Our direction attribute in the answer (RFC 3264 §6.1). */
  answerDirection: Direction;
  /** The offer, parsed, for building the answer. */
  offer: sdpTransform.SessionDescription;
  /** Index of the audio m-line we answered. */
  mediaIndex: number;
}

const STATIC: Record<number, Codec> = { 0: 'PCMU', 8: 'PCMA' };
const PREFERENCE: Codec[] = ['PCMA', 'PCMU'];

/** Picks PCMA (preferred) or PCMU and telephone-event from an offer; throws NoCommonCodecError. */
export function negotiate(remoteSdp: string): Negotiated {
  const offer = sdpTransform.parse(remoteSdp);
  const offered: string[] = [];
  for (let i = 0; i < (offer.media ?? []).length; i++) {
    const m = offer.media[i];
    if (m.type !== 'audio' || m.port === 0) continue;
    const pts = String(m.payloads ?? '').split(/\s+/).filter(Boolean).map(Number);
    const codecs = new Map<Codec, number>();
    let telephoneEventPt: number | undefined;
    for (const pt of pts) {
      const rtp = m.rtp.find((r) => r.payload === pt);
      const name = rtp ? rtp.codec.toUpperCase() : STATIC[pt];
      const rate = rtp?.rate ?? 8000;
      offered.push(name ? `${name}/${rate}` : String(pt));
      if ((name === 'PCMA' || name === 'PCMU') && rate === 8000 && !codecs.has(name)) codecs.set(name, pt);
      if (name === 'TELEPHONE-EVENT' && rate === 8000 && telephoneEventPt === undefined) telephoneEventPt = pt;
    }
    const codec = PREFERENCE.find((c) => codecs.has(c));
    if (!codec) continue;
    const remoteHost = m.connection?.ip ?? offer.connection?.ip ?? '0.0.0.0';
    const offerDirection = (m.direction ?? offer.direction ?? 'sendrecv') as Direction;
    // RFC 3264 §8.4: c=0.0.0.0 is the old (RFC 2543) way of saying hold.
    const held = remoteHost === '0.0.0.0';
    const theySend = !held && (offerDirection === 'sendrecv' || offerDirection === 'sendonly');
    const weSend = !held && (offerDirection === 'sendrecv' || offerDirection === 'recvonly');
    const answerDirection: Direction = weSend ? (theySend ? 'sendrecv' : 'sendonly') : theySend ? 'recvonly' : 'inactive';
    return { codec, payloadType: codecs.get(codec)!, telephoneEventPt, remoteHost, remotePort: m.port, weSend, theySend, answerDirection, offer, mediaIndex: i };
  }
  throw new NoCommonCodecError(offered);
}

/** Builds our answer: the chosen codec and telephone-event on the answered m-line, others refused (port 0). */
export function buildAnswer(n: Negotiated, local: { host: string; port: number; sessionId: number; version: number }): string {
  const media = n.offer.media.map((m, i) => {
    if (i !== n.mediaIndex) {
      const first = Number(String(m.payloads ?? '0').split(/\s+/)[0]);
      return { type: m.type, port: 0, protocol: m.protocol, payloads: String(first), rtp: [], fmtp: [] } as sdpTransform.MediaDescription;
    }
    const rtp: sdpTransform.MediaDescription['rtp'] = [{ payload: n.payloadType, codec: n.codec, rate: 8000 }];
    const fmtp: sdpTransform.MediaDescription['fmtp'] = [];
    const pts = [n.payloadType];
    if (n.telephoneEventPt !== undefined) {
      pts.push(n.telephoneEventPt);
      rtp.push({ payload: n.telephoneEventPt, codec: 'telephone-event', rate: 8000 });
      fmtp.push({ payload: n.telephoneEventPt, config: '0-16' });
    }
    return {
      type: 'audio',
      port: local.port,
      protocol: 'RTP/AVP',
      payloads: pts.join(' '),
      rtp,
      fmtp,
      ptime: 20,
      direction: n.answerDirection,
    } as sdpTransform.MediaDescription;
  });
  return sdpTransform.write({
    version: 0,
    origin: { username: '-', sessionId: local.sessionId, sessionVersion: local.version, netType: 'IN', ipVer: 4, address: local.host },
    name: 'ContactSuite',
    connection: { version: 4, ip: local.host },
    timing: { start: 0, stop: 0 },
    media,
  });
}
