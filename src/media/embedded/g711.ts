import alawmulaw from 'alawmulaw';
import type { Codec } from './EmbeddedMediaServerTypes.js';

const { alaw, mulaw } = alawmulaw;

/** Samples per 20 ms packet at 8 kHz; one G.711 byte per sample. */
export const SAMPLES_PER_PACKET = 160;

/** What a G.711 codec sends for silence (A-law 0xD5, µ-law 0xFF: the codes closest to zero). */
export const SILENCE_BYTE: Record<Codec, number> = { PCMA: 0xd5, PCMU: 0xff };

export function encodeG711(codec: Codec, pcm: Int16Array): Uint8Array {
  return codec === 'PCMA' ? alaw.encode(pcm) : mulaw.encode(pcm);
}

export function decodeG711(codec: Codec, bytes: Uint8Array): Int16Array {
  return codec === 'PCMA' ? alaw.decode(bytes) : mulaw.decode(bytes);
}

// Byte-to-byte tables, so relaying between a PCMA and a PCMU leg costs one lookup per sample.
const ALAW_TO_ULAW = new Uint8Array(256);
const ULAW_TO_ALAW = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  ALAW_TO_ULAW[i] = mulaw.encodeSample(alaw.decodeSample(i));
  ULAW_TO_ALAW[i] = alaw.encodeSample(mulaw.decodeSample(i));
}

/** Re-encodes G.711 bytes from one law to the other (a copy; the input is left alone). */
export function transcodeG711(from: Codec, to: Codec, bytes: Uint8Array): Uint8Array {
  if (from === to) return bytes;
  const table = from === 'PCMA' ? ALAW_TO_ULAW : ULAW_TO_ALAW;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
  return out;
}

/** Root-mean-square level of linear samples (0–32768), for silence detection. */
export function rms(pcm: Int16Array): number {
  if (pcm.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i] * pcm[i];
  return Math.sqrt(sum / pcm.length);
}
