import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';

const { WaveFile } = wavefile;

/** What the media engine plays without conversion: 8 kHz mono 16-bit PCM WAV. */
export const PROMPT_SAMPLE_RATE = 8000;

/** The formats an upload may have; WAV is decoded in-process, the others need the sox command. */
export type PromptSourceFormat = 'wav' | 'mp3' | 'ogg' | 'flac';

export type PromptAudioProblem = 'unsupported' | 'undecodable' | 'too_long' | 'empty';

/** Why an upload cannot become a prompt; `problem` picks the HTTP status (unsupported: 415, else 400). */
export class PromptAudioError extends Error {
  constructor(
    readonly problem: PromptAudioProblem,
    message: string,
  ) {
    super(message);
    this.name = 'PromptAudioError';
  }
}

export interface ConvertedPrompt {
  /** 8 kHz mono 16-bit PCM WAV. */
  wav: Buffer;
  durationMs: number;
  sourceFormat: PromptSourceFormat;
}

export interface ConvertOptions {
  /** Longer audio is refused (PromptAudioError 'too_long'). */
  maxDurationMs: number;
  /** The sox binary; default 'sox' on PATH. */
  sox?: string;
}

/** The format by its leading bytes: a client's Content-Type is often generic or wrong. */
export function sniffFormat(bytes: Buffer): PromptSourceFormat | undefined {
  const ascii = (from: number, to: number): string => bytes.subarray(from, to).toString('latin1');
  if (bytes.length >= 12 && (ascii(0, 4) === 'RIFF' || ascii(0, 4) === 'RIFX') && ascii(8, 12) === 'WAVE') return 'wav';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  if (ascii(0, 4) === 'fLaC') return 'flac';
  // ID3v2 tag, or an MPEG audio frame sync (11 set bits) with layer III (ISO 11172-3 §2.4.2.3).
  if (ascii(0, 3) === 'ID3') return 'mp3';
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0 && (bytes[1] & 0x06) === 0x02) return 'mp3';
  return undefined;
}

const SOX_TYPE: Record<Exclude<PromptSourceFormat, 'wav'>, string> = { mp3: 'mp3', ogg: 'vorbis', flac: 'flac' };
const DEBIAN_PACKAGE: Record<Exclude<PromptSourceFormat, 'wav'>, string> = { mp3: 'sox libsox-fmt-mp3', ogg: 'sox', flac: 'sox' };

const soxFormatCache = new Map<string, Promise<Set<string>>>();

/** The file types the sox binary handles (its `-h` list); empty when sox is not installed. */
export function soxFormats(sox = 'sox'): Promise<Set<string>> {
  let formats = soxFormatCache.get(sox);
  if (!formats) {
    formats = new Promise((resolve) => {
      execFile(sox, ['-h'], { timeout: 10_000 }, (err, stdout) => {
        const line = /AUDIO FILE FORMATS:(.*)/.exec(String(stdout ?? ''));
        resolve(err && !line ? new Set() : new Set((line?.[1] ?? '').trim().split(/\s+/)));
      });
    });
    soxFormatCache.set(sox, formats);
  }
  return formats;
}

/** The upload formats this machine converts, for messages: 'WAV, OGG, FLAC'. */
export async function supportedFormats(sox = 'sox'): Promise<PromptSourceFormat[]> {
  const have = await soxFormats(sox);
  const others = (['mp3', 'ogg', 'flac'] as const).filter((f) => have.has(SOX_TYPE[f]));
  return ['wav', ...others];
}

const list = (formats: PromptSourceFormat[]): string => formats.map((f) => f.toUpperCase()).join(', ');

/** Any supported upload → 8 kHz mono 16-bit PCM WAV. Throws PromptAudioError with a message for a person. */
export async function convertPrompt(bytes: Buffer, opts: ConvertOptions): Promise<ConvertedPrompt> {
  const format = sniffFormat(bytes);
  const sox = opts.sox ?? 'sox';
  if (!format) {
    throw new PromptAudioError('unsupported', `not a recognized audio file; send one of: ${list(await supportedFormats(sox))}`);
  }
  if (format === 'wav') return { ...convertWav(bytes, opts.maxDurationMs), sourceFormat: 'wav' };
  if (!(await soxFormats(sox)).has(SOX_TYPE[format])) {
    throw new PromptAudioError(
      'unsupported',
      `${format.toUpperCase()} uploads need sox with ${format.toUpperCase()} support on the server (Debian: ${DEBIAN_PACKAGE[format]}); ` +
        `this server converts: ${list(await supportedFormats(sox))}`,
    );
  }
  const wav = await runSox(sox, bytes, format, opts.maxDurationMs);
  // sox already wrote the target format; decoding it again measures the duration and checks the output.
  return { ...convertWav(wav, opts.maxDurationMs), sourceFormat: format };
}

/** WAVE_FORMAT tags (RFC 2361) that wavefile decodes. */
const PCM = 1;
const IEEE_FLOAT = 3;
const ALAW = 6;
const MULAW = 7;
const IMA_ADPCM = 17;
const EXTENSIBLE = 0xfffe;

interface Fmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
}

function convertWav(bytes: Buffer, maxDurationMs: number): { wav: Buffer; durationMs: number } {
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (err) {
    throw new PromptAudioError('undecodable', `the WAV file cannot be read: ${(err as Error).message}`);
  }
  const fmt = wav.fmt as Fmt;
  if (!(fmt.numChannels >= 1) || !(fmt.sampleRate >= 1000)) {
    throw new PromptAudioError('undecodable', `the WAV header says ${fmt.numChannels} channel(s) at ${fmt.sampleRate} Hz`);
  }
  try {
    if (fmt.audioFormat === ALAW) wav.fromALaw('16');
    else if (fmt.audioFormat === MULAW) wav.fromMuLaw('16');
    else if (fmt.audioFormat === IMA_ADPCM) wav.fromIMAADPCM('16');
    else if (![PCM, IEEE_FLOAT, EXTENSIBLE].includes(fmt.audioFormat)) {
      throw new PromptAudioError(
        'unsupported',
        `WAV encoding ${fmt.audioFormat} is not supported; use PCM (8-32 bit), float, A-law, µ-law or IMA ADPCM`,
      );
    }
  } catch (err) {
    if (err instanceof PromptAudioError) throw err;
    throw new PromptAudioError('undecodable', `the WAV audio cannot be decoded: ${(err as Error).message}`);
  }

  const { sampleRate, numChannels, bitsPerSample } = wav.fmt as Fmt;
  const dataBytes = (wav.data as { samples: Uint8Array }).samples.length;
  const frames = Math.floor(dataBytes / ((bitsPerSample / 8) * numChannels));
  // Checked before resampling, so an over-long upload costs no conversion work.
  const durationMs = Math.round((frames / sampleRate) * 1000);
  if (frames === 0) throw new PromptAudioError('empty', 'the audio holds no samples');
  if (durationMs > maxDurationMs) {
    throw new PromptAudioError('too_long', `the audio lasts ${(durationMs / 1000).toFixed(1)} s; a prompt may last at most ${maxDurationMs / 1000} s`);
  }
  if (sampleRate === PROMPT_SAMPLE_RATE && numChannels === 1 && bitsPerSample === 16 && (wav.fmt as Fmt).audioFormat === PCM) {
    return { wav: Buffer.from(wav.toBuffer()), durationMs };
  }

  wav.toBitDepth('32f');
  const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const channels = numChannels === 1 ? [raw as Float64Array] : (raw as Float64Array[]);
  // Mixdown: the mean of the channels, so a stereo upload keeps its level and cannot clip.
  const mono = new Float64Array(frames);
  for (const ch of channels) for (let i = 0; i < frames; i++) mono[i] += ch[i] / numChannels;

  const out = new WaveFile();
  out.fromScratch(1, sampleRate, '32f', mono);
  // wavefile low-pass filters before downsampling, so content above 4 kHz does not alias.
  if (sampleRate !== PROMPT_SAMPLE_RATE) out.toSampleRate(PROMPT_SAMPLE_RATE);
  out.toBitDepth('16');
  const outFrames = (out.data as { samples: Uint8Array }).samples.length / 2;
  return { wav: Buffer.from(out.toBuffer()), durationMs: Math.round((outFrames / PROMPT_SAMPLE_RATE) * 1000) };
}

async function runSox(sox: string, bytes: Buffer, format: Exclude<PromptSourceFormat, 'wav'>, maxDurationMs: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'prompt-'));
  try {
    const input = join(dir, `in.${format}`);
    const output = join(dir, 'out.wav');
    await writeFile(input, bytes);
    // trim bounds the work on a long upload: one second beyond the limit is enough to refuse it.
    const args = ['-V1', '-t', SOX_TYPE[format], input, '-t', 'wav', '-e', 'signed-integer', '-b', '16', '-c', '1', '-r', String(PROMPT_SAMPLE_RATE), output];
    args.push('trim', '0', String(maxDurationMs / 1000 + 1));
    await new Promise<void>((resolve, reject) => {
      execFile(sox, args, { timeout: 60_000 }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        const detail = String(stderr).trim().split('\n').pop()?.replace(/^sox FAIL \w+:\s*/, '') || err.message;
        reject(new PromptAudioError('undecodable', `the ${format.toUpperCase()} audio cannot be decoded: ${detail.replaceAll(dir + '/', '')}`));
      });
    });
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
