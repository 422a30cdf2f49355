import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, join } from 'node:path';
import alawmulaw from 'alawmulaw';
import wavefile from 'wavefile';
import { PromptFormatError } from '../MediaErrors.js';
import type { Codec } from './EmbeddedMediaServerTypes.js';
import { encodeG711 } from './g711.js';

const { WaveFile } = wavefile;
const { alaw, mulaw } = alawmulaw;

/** WAVE_FORMAT tags (RFC 2361): PCM, A-law, µ-law. */
const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;

interface CachedPrompt {
  pcm: Int16Array;
  encoded: Partial<Record<Codec, Uint8Array>>;
}

/**
 * Loads prompts (8 kHz mono WAV: 16-bit PCM, A-law or µ-law) once and keeps them in memory as
 * linear PCM, plus each codec's encoding on first use, so playing is copying slices.
 */
export class PromptLibrary {
  private readonly cache = new Map<string, Promise<CachedPrompt>>();

  /**
   * @param promptDir the shipped prompt set ('nl/welkom' → <promptDir>/nl/welkom.wav)
   * @param customDir where customers' uploads live ('custom/<customer>/<id>' → <customDir>/custom/<customer>/<id>.wav)
   */
  constructor(
    private readonly promptDir: string,
    private readonly customDir?: string,
  ) {}

  /** A prompt id to its file; absolute paths and names with an extension are kept. */
  resolve(file: string): string {
    const withExt = extname(file) ? file : `${file}.wav`;
    if (isAbsolute(withExt)) return withExt;
    if (this.customDir && withExt.startsWith('custom/')) return join(this.customDir, withExt);
    return join(this.promptDir, withExt);
  }

  /** The prompt as 8 kHz linear PCM. */
  async pcm(file: string): Promise<Int16Array> {
    return (await this.load(this.resolve(file))).pcm;
  }

  /** The prompt encoded for `codec`. */
  async encoded(file: string, codec: Codec): Promise<Uint8Array> {
    const p = await this.load(this.resolve(file));
    return (p.encoded[codec] ??= encodeG711(codec, p.pcm));
  }

  get size(): number {
    return this.cache.size;
  }

  private load(path: string): Promise<CachedPrompt> {
    let p = this.cache.get(path);
    if (!p) {
      p = readPrompt(path);
      this.cache.set(path, p);
      // A failed load is not cached: the file may be fixed or uploaded later.
      p.catch(() => this.cache.delete(path));
    }
    return p;
  }
}

async function readPrompt(path: string): Promise<CachedPrompt> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new PromptFormatError(path, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err));
  }
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (err) {
    throw new PromptFormatError(path, `not a WAV file (${(err as Error).message})`);
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
  const data = (wav.data as { samples: Uint8Array }).samples;
  if (fmt.sampleRate !== 8000 || fmt.numChannels !== 1) {
    throw new PromptFormatError(path, `${fmt.sampleRate} Hz, ${fmt.numChannels} channel(s); need 8000 Hz mono (convert with sox -r 8000 -c 1)`);
  }
  let pcm: Int16Array;
  if (fmt.audioFormat === FORMAT_PCM && fmt.bitsPerSample === 16) {
    pcm = new Int16Array(Math.floor(data.length / 2));
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(i * 2, true);
  } else if (fmt.audioFormat === FORMAT_ALAW) {
    pcm = alaw.decode(data);
  } else if (fmt.audioFormat === FORMAT_MULAW) {
    pcm = mulaw.decode(data);
  } else {
    throw new PromptFormatError(path, `format ${fmt.audioFormat}/${fmt.bitsPerSample}-bit; need 16-bit PCM, A-law or µ-law`);
  }
  return { pcm, encoded: {} };
}
