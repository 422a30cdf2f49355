/*
 * The fax calling-tone detector (CNG, 1100 Hz, 0.5 s on / 3 s off): generated tones that are and
 * are not CNG, every prompt we play as speech that must not trigger it, and the CNG spandsp's
 * own fax transmitter sends, through G.711 as a caller's fax machine would.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFaxAddon } from '../../src/fax/faxAddon.js';
import { FaxToneDetector } from '../../src/media/embedded/FaxToneDetector.js';
import { decodeG711, encodeG711 } from '../../src/media/embedded/g711.js';
import { PromptLibrary } from '../../src/media/embedded/PromptLibrary.js';
import { PROMPT_DIR } from '../calls/rig.js';
import { FAX_TOOLS_PRESENT } from './faxRig.js';

/** A signal described as segments; each 'tone' is a sum of sines, 'noise' is seeded white noise. */
type Segment = { ms: number; hz?: number[]; amplitude?: number; noise?: number };

function synth(segments: Segment[]): Int16Array {
  const total = segments.reduce((n, s) => n + (s.ms * 8), 0);
  const out = new Int16Array(total);
  let at = 0;
  let seed = 12345;
  for (const seg of segments) {
    for (let i = 0; i < seg.ms * 8; i++, at++) {
      let v = 0;
      for (const hz of seg.hz ?? []) v += (seg.amplitude ?? 8000) * Math.sin((2 * Math.PI * hz * at) / 8000);
      if (seg.noise) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        v += ((seed / 2 ** 32) * 2 - 1) * seg.noise;
      }
      out[at] = Math.max(-32768, Math.min(32767, Math.round(v)));
    }
  }
  // Through A-law, as the endpoint hears it.
  return decodeG711('PCMA', encodeG711('PCMA', out));
}

/** Feeds 20 ms frames; the time (ms) at which the detector fired, or undefined. */
function detectAt(pcm: Int16Array): number | undefined {
  const d = new FaxToneDetector();
  for (let i = 0; i + 160 <= pcm.length; i += 160) if (d.accept(pcm.subarray(i, i + 160))) return (i + 160) / 8;
  return undefined;
}

const CNG = (hz = 1100, amplitude = 8000): Segment[] => [
  { ms: 300 },
  { ms: 500, hz: [hz], amplitude },
  { ms: 3000 },
  { ms: 500, hz: [hz], amplitude },
  { ms: 1000 },
];

describe('fax calling tone (CNG) detection', () => {
  it.each<[string, Segment[], boolean]>([
    ['CNG: 1100 Hz, 0.5 s on, 3 s off', CNG(), true],
    ['CNG at the low edge of the tolerance (1062 Hz)', CNG(1062), true],
    ['CNG at the high edge of the tolerance (1138 Hz)', CNG(1138), true],
    ['quiet CNG (-30 dBm0)', CNG(1100, 300), true],
    ['CNG under line noise (about 15 dB SNR)', CNG().map((s) => ({ ...s, noise: 1000 })), true],
    ['CNG bursts of 425 ms (0.5 s - 15%)', [{ ms: 425, hz: [1100] }, { ms: 3000 }], true],
    ['CNG bursts of 575 ms (0.5 s + 15%)', [{ ms: 575, hz: [1100] }, { ms: 3000 }], true],
    ['a steady 1100 Hz tone (not cadenced)', [{ ms: 5000, hz: [1100] }], false],
    ['short 1100 Hz blips (200 ms)', [{ ms: 200, hz: [1100] }, { ms: 400 }, { ms: 200, hz: [1100] }, { ms: 3000 }], false],
    ['1000 Hz with CNG cadence (off frequency)', CNG(1000), false],
    ['1200 Hz with CNG cadence (off frequency)', CNG(1200), false],
    ['CED (2100 Hz answer tone)', [{ ms: 3000, hz: [2100] }, { ms: 1000 }], false],
    ['DTMF 5 (770 + 1336 Hz) for 500 ms', [{ ms: 500, hz: [770, 1336], amplitude: 5000 }, { ms: 1000 }], false],
    ['1100 Hz in a chord (with 700 and 1500 Hz)', [{ ms: 500, hz: [700, 1100, 1500], amplitude: 5000 }, { ms: 3000 }], false],
    ['very quiet 1100 Hz (-55 dBm0)', CNG(1100, 20), false],
    ['white noise', [{ ms: 4000, noise: 8000 }], false],
    ['silence', [{ ms: 4000 }], false],
  ])('%s → detected: %s', (_name, segments, expected) => {
    expect(detectAt(synth(segments)) !== undefined).toBe(expected);
  });

  it('fires once, after the first burst and 100 ms of its off-time', () => {
    const d = new FaxToneDetector();
    const pcm = synth(CNG());
    const fired: number[] = [];
    for (let i = 0; i + 160 <= pcm.length; i += 160) if (d.accept(pcm.subarray(i, i + 160))) fired.push((i + 160) / 8);
    expect(fired).toEqual([900]);
  });

  it('does not fire on any prompt we play (speech, numbers, beep)', async () => {
    const library = new PromptLibrary(PROMPT_DIR);
    const ids: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.wav')) ids.push(relative(PROMPT_DIR, path).replace(/\.wav$/, ''));
      }
    };
    for (const lang of ['nl', 'en']) walk(join(PROMPT_DIR, lang));
    expect(ids.length).toBeGreaterThan(20);
    const fired: string[] = [];
    for (const id of ids) {
      const pcm = decodeG711('PCMA', await library.encoded(id, 'PCMA'));
      // Each prompt back to back three times, as a menu repeating itself would sound.
      const looped = new Int16Array(pcm.length * 3);
      for (let k = 0; k < 3; k++) looped.set(pcm, k * pcm.length);
      if (detectAt(looped) !== undefined) fired.push(id);
    }
    expect(fired).toEqual([]);
  });

  it.skipIf(!FAX_TOOLS_PRESENT)('hears the CNG of spandsp\'s fax transmitter through G.711', () => {
    const addon = loadFaxAddon();
    expect(addon, 'the fax addon is built (npm run build:fax)').toBeDefined();
    // The transmitter sends CNG from its first sample; the file is read only after the handshake.
    const tx = new addon!.FaxSession({ role: 'transmitter', file: '/nonexistent/never-read.tif' });
    const d = new FaxToneDetector();
    let firedAtMs: number | undefined;
    for (let i = 0; i < 250 && firedAtMs === undefined; i++) {
      const frame = decodeG711('PCMU', encodeG711('PCMU', tx.tx(160)));
      if (d.accept(frame)) firedAtMs = (i + 1) * 20;
    }
    tx.close();
    expect(firedAtMs).toBeDefined();
  });
});
