import * as sdpTransform from 'sdp-transform';
import { NoCommonCodecError } from '../MediaErrors.js';
import type { Codec } from './EmbeddedMediaServerTypes.js';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What an endpoint sends and expects, whichever side made the offer. */
export interface MediaParams {
  codec: Codec;
  /** Payload type of the chosen codec, as the far end listed it. */
  payloadType: number;
  /** telephone-event payload type (RFC 4733 §7.1.1), if the far end listed it. */
  telephoneEventPt?: number;
  remoteHost: string;
  remotePort: number;
  /** Whether we may send (the far end receives) and whether the far end sends to us. */
  weSend: boolean;
  theySend: boolean;
}

/** The outcome of answering one SDP offer. */
export interface Negotiated extends MediaParams {
  /** Our direction attribute in the answer (RFC 3264 §6.1). */
  answerDirection: Direction;
  /** The offer, parsed, for building the answer. */
  offer: sdpTransform.SessionDescription;
  /** Index of the audio m-line we answered. */
  mediaIndex: number;
}

const STATIC: Record<number, Codec> = { 0: 'PCMU', 8: 'PCMA' };
const PREFERENCE: Codec[] = ['PCMA', 'PCMU'];
/** What our own offers list, in our order of preference. */
const OFFER_PAYLOADS: ReadonlyArray<{ payload: number; codec: string }> = [
  { payload: 8, codec: 'PCMA' },
  { payload: 0, codec: 'PCMU' },
  { payload: 101, codec: 'telephone-event' },
];
const OFFER_TELEPHONE_EVENT_PT = 101;

/** One usable audio m-line of a description: its G.711 codecs in the listed order. */
interface AudioLine {
  index: number;
  codecs: Array<{ codec: Codec; pt: number }>;
  telephoneEventPt?: number;
  remoteHost: string;
  remotePort: number;
  direction: Direction;
}

/** The audio m-lines with at least one G.711 codec, and every format listed (for the 488 message). */
function audioLines(desc: sdpTransform.SessionDescription): { lines: AudioLine[]; offered: string[] } {
  const offered: string[] = [];
  const lines: AudioLine[] = [];
  for (let i = 0; i < (desc.media ?? []).length; i++) {
    const m = desc.media[i];
    if (m.type !== 'audio' || m.port === 0) continue;
    const pts = String(m.payloads ?? '').split(/\s+/).filter(Boolean).map(Number);
    const codecs: AudioLine['codecs'] = [];
    let telephoneEventPt: number | undefined;
    for (const pt of pts) {
      const rtp = m.rtp.find((r) => r.payload === pt);
      const name = rtp ? rtp.codec.toUpperCase() : STATIC[pt];
      const rate = rtp?.rate ?? 8000;
      offered.push(name ? `${name}/${rate}` : String(pt));
      if ((name === 'PCMA' || name === 'PCMU') && rate === 8000 && !codecs.some((c) => c.codec === name)) codecs.push({ codec: name, pt });
      if (name === 'TELEPHONE-EVENT' && rate === 8000 && telephoneEventPt === undefined) telephoneEventPt = pt;
    }
    if (codecs.length === 0) continue;
    lines.push({
      index: i,
      codecs,
      telephoneEventPt,
      remoteHost: m.connection?.ip ?? desc.connection?.ip ?? '0.0.0.0',
      remotePort: m.port,
      direction: (m.direction ?? desc.direction ?? 'sendrecv') as Direction,
    });
  }
  return { lines, offered };
}

/** Who sends, from the far end's direction attribute (the same rule for an offer and an answer). */
function flows(line: AudioLine): { weSend: boolean; theySend: boolean } {
  // RFC 3264 §8.4: c=0.0.0.0 is the old (RFC 2543) way of saying hold.
  const held = line.remoteHost === '0.0.0.0';
  const d = line.direction;
  return { theySend: !held && (d === 'sendrecv' || d === 'sendonly'), weSend: !held && (d === 'sendrecv' || d === 'recvonly') };
}

/** Picks PCMA (preferred) or PCMU and telephone-event from an offer; throws NoCommonCodecError. */
export function negotiate(remoteSdp: string): Negotiated {
  const offer = sdpTransform.parse(remoteSdp);
  const { lines, offered } = audioLines(offer);
  const line = lines[0];
  if (!line) throw new NoCommonCodecError(offered);
  const chosen = PREFERENCE.map((c) => line.codecs.find((x) => x.codec === c)).find((x) => x !== undefined)!;
  const { weSend, theySend } = flows(line);
  const answerDirection: Direction = weSend ? (theySend ? 'sendrecv' : 'sendonly') : theySend ? 'recvonly' : 'inactive';
  return {
    codec: chosen.codec,
    payloadType: chosen.pt,
    telephoneEventPt: line.telephoneEventPt,
    remoteHost: line.remoteHost,
    remotePort: line.remotePort,
    weSend,
    theySend,
    answerDirection,
    offer,
    mediaIndex: line.index,
  };
}

/**
 * The state of an endpoint that made an offer and has no answer yet: PCMA as a default for
 * receiving early media, but nothing is sent (no far end yet) and no RTP is expected.
 */
export function awaitingAnswer(): MediaParams {
  return { codec: 'PCMA', payloadType: 8, telephoneEventPt: OFFER_TELEPHONE_EVENT_PT, remoteHost: '0.0.0.0', remotePort: 0, weSend: false, theySend: false };
}

/**
 * Applies the answer to our offer (RFC 3264 §6.1): the answerer lists what it accepted in its own
 * order of preference, so its first G.711 codec is the one used, with its payload types.
 */
export function acceptAnswer(answerSdp: string): MediaParams {
  const { lines, offered } = audioLines(sdpTransform.parse(answerSdp));
  const line = lines[0];
  if (!line) throw new NoCommonCodecError(offered);
  const first = line.codecs[0];
  return { codec: first.codec, payloadType: first.pt, telephoneEventPt: line.telephoneEventPt, remoteHost: line.remoteHost, remotePort: line.remotePort, ...flows(line) };
}

interface LocalAddress {
  host: string;
  port: number;
  sessionId: number;
  version: number;
}

function describe(local: LocalAddress, media: sdpTransform.MediaDescription[]): string {
  return sdpTransform.write({
    version: 0,
    origin: { username: '-', sessionId: local.sessionId, sessionVersion: local.version, netType: 'IN', ipVer: 4, address: local.host },
    name: 'ContactSuite',
    connection: { version: 4, ip: local.host },
    timing: { start: 0, stop: 0 },
    media,
  });
}

/** Our own offer: PCMA, PCMU and telephone-event, sendrecv, on the endpoint's port. */
export function buildOffer(local: LocalAddress): string {
  return describe(local, [
    {
      type: 'audio',
      port: local.port,
      protocol: 'RTP/AVP',
      payloads: OFFER_PAYLOADS.map((p) => p.payload).join(' '),
      rtp: OFFER_PAYLOADS.map((p) => ({ ...p, rate: 8000 })),
      fmtp: [{ payload: OFFER_TELEPHONE_EVENT_PT, config: '0-16' }],
      ptime: 20,
      direction: 'sendrecv',
    } as sdpTransform.MediaDescription,
  ]);
}

/** Builds our answer: the chosen codec and telephone-event on the answered m-line, others refused (port 0). */
export function buildAnswer(n: Negotiated, local: LocalAddress): string {
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
  return describe(local, media);
}
