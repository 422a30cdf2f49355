import wavefile from 'wavefile';

const { WaveFile } = wavefile;

/** A sine as a WAV in the given layout (every channel the same tone). */
export function sineWav(opts: { rate: number; channels: number; bitDepth: '8' | '16' | '24' | '32f'; seconds: number; hz: number }): Buffer {
  const frames = Math.round(opts.rate * opts.seconds);
  const full = opts.bitDepth === '32f' ? 0.5 : opts.bitDepth === '8' ? 60 : 0.5 * (2 ** (Number(opts.bitDepth) - 1) - 1);
  const tone = new Float64Array(frames);
  for (let i = 0; i < frames; i++) tone[i] = (opts.bitDepth === '8' ? 128 : 0) + full * Math.sin((2 * Math.PI * opts.hz * i) / opts.rate);
  const wav = new WaveFile();
  wav.fromScratch(opts.channels, opts.rate, opts.bitDepth, opts.channels === 1 ? tone : Array.from({ length: opts.channels }, () => tone));
  return Buffer.from(wav.toBuffer());
}

/** An 8 kHz mono A-law WAV of a sine. */
export function alawSineWav(seconds: number, hz: number): Buffer {
  const wav = new WaveFile(sineWav({ rate: 8000, channels: 1, bitDepth: '16', seconds, hz }));
  wav.toALaw();
  return Buffer.from(wav.toBuffer());
}

export interface DecodedWav {
  audioFormat: number;
  sampleRate: number;
  numChannels: number;
  bitsPerSample: number;
  samples: Float64Array;
}

export function decodeWav(bytes: Uint8Array): DecodedWav {
  const wav = new WaveFile(bytes);
  const fmt = wav.fmt as { audioFormat: number; sampleRate: number; numChannels: number; bitsPerSample: number };
  return { ...fmt, samples: wav.getSamples(false, Float64Array) };
}

/** The tone's frequency from its sign changes (two per period), ignoring the first and last 50 ms (filter edges). */
export function dominantHz(samples: Float64Array, rate: number): number {
  const edge = Math.round(rate * 0.05);
  let crossings = 0;
  for (let i = edge + 1; i < samples.length - edge; i++) if (samples[i - 1] < 0 !== samples[i] < 0) crossings++;
  return crossings / 2 / ((samples.length - 2 * edge) / rate);
}

/** Root mean square, to tell a tone from silence. */
export function rms(samples: Float64Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}
