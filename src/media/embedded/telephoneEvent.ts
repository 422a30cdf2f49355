/**
 * RFC 4733 telephone-events (DTMF). Payload (§2.3): event (8 bits), E (end), R, volume (6 bits),
 * duration (16 bits, in timestamp units). All packets of one event carry the event's start
 * timestamp; the end packet is sent three times (§2.5.1.4), so receivers de-duplicate by timestamp.
 */
export const DTMF_DIGITS = '0123456789*#ABCD';

export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

export function digitToEvent(digit: string): number {
  const i = DTMF_DIGITS.indexOf(digit.toUpperCase());
  if (i < 0) throw new RangeError(`not a DTMF digit: '${digit}' (allowed: ${DTMF_DIGITS})`);
  return i;
}

export function eventToDigit(event: number): string | undefined {
  return event < DTMF_DIGITS.length ? DTMF_DIGITS[event] : undefined;
}

export function encodeTelephoneEvent(e: TelephoneEvent): Buffer {
  const b = Buffer.allocUnsafe(4);
  b[0] = e.event;
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b.writeUInt16BE(Math.min(e.duration, 0xffff), 2);
  return b;
}

export function decodeTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return { event: payload[0], end: (payload[1] & 0x80) !== 0, volume: payload[1] & 0x3f, duration: payload.readUInt16BE(2) };
}

/**
 * Turns received telephone-event packets into digits: one digit per event, reported on its first
 * end packet; retransmitted end packets (same RTP timestamp) are ignored.
 */
export class DtmfDetector {
  private lastEndedTimestamp: number | undefined;

  /** Returns the digit and its duration (ms) when this packet ends a new event. */
  accept(timestamp: number, payload: Buffer): { digit: string; durationMs: number } | undefined {
    const ev = decodeTelephoneEvent(payload);
    if (!ev || !ev.end) return undefined;
    if (timestamp === this.lastEndedTimestamp) return undefined;
    this.lastEndedTimestamp = timestamp;
    const digit = eventToDigit(ev.event);
    if (digit === undefined) return undefined;
    return { digit, durationMs: ev.duration / 8 };
  }
}
