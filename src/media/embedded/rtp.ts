/** RTP fixed header (RFC 3550 §5.1), without CSRCs or extensions on the send side. */
export interface RtpHeader {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

export interface RtpPacket extends RtpHeader {
  payload: Buffer;
}

export const RTP_HEADER_BYTES = 12;

/** Serializes one RTP packet (version 2, no padding, extension or CSRCs). */
export function encodeRtp(h: RtpHeader, payload: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(RTP_HEADER_BYTES + payload.length);
  buf[0] = 0x80;
  buf[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  buf.writeUInt16BE(h.sequence & 0xffff, 2);
  buf.writeUInt32BE(h.timestamp >>> 0, 4);
  buf.writeUInt32BE(h.ssrc >>> 0, 8);
  buf.set(payload, RTP_HEADER_BYTES);
  return buf;
}

/**
 * Parses an RTP packet, skipping CSRCs, a header extension and padding (RFC 3550 §5.1, §5.3.1).
 * Returns undefined for anything that is not version-2 RTP (e.g. stray STUN or RTCP).
 */
export function decodeRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < RTP_HEADER_BYTES || buf[0] >> 6 !== 2) return undefined;
  const payloadType = buf[1] & 0x7f;
  // RTCP packet types 200–204 land on 72–76 with the marker bit set; not ours (RFC 5761 §4).
  if (payloadType >= 72 && payloadType <= 76) return undefined;
  let offset = RTP_HEADER_BYTES + (buf[0] & 0x0f) * 4;
  if (buf[0] & 0x10) {
    if (buf.length < offset + 4) return undefined;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  let end = buf.length;
  if (buf[0] & 0x20) end -= buf[buf.length - 1];
  if (offset > end) return undefined;
  return {
    payloadType,
    marker: (buf[1] & 0x80) !== 0,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}
