import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertPrompt, PromptAudioError, sniffFormat, soxFormats } from '../../src/prompts/convertPrompt.js';
import { alawSineWav, decodeWav, dominantHz, rms, sineWav } from './audio.js';

const LIMIT = { maxDurationMs: 5 * 60 * 1000 };

async function refusal(bytes: Buffer, opts = LIMIT): Promise<PromptAudioError> {
  const err = await convertPrompt(bytes, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PromptAudioError);
  return err as PromptAudioError;
}

/** Encodes a WAV with the machine's sox (only called when sox has the format). */
function soxEncode(wav: Buffer, ext: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'prompt-test-'));
  try {
    writeFileSync(join(dir, 'in.wav'), wav);
    execFileSync('sox', [join(dir, 'in.wav'), join(dir, `out.${ext}`)]);
    return readFileSync(join(dir, `out.${ext}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('converting an upload to what the media engine plays', () => {
  it.each([
    ['44.1 kHz stereo 16-bit', { rate: 44100, channels: 2, bitDepth: '16' as const }],
    ['48 kHz mono 24-bit', { rate: 48000, channels: 1, bitDepth: '24' as const }],
    ['22.05 kHz mono float', { rate: 22050, channels: 1, bitDepth: '32f' as const }],
    ['16 kHz stereo 8-bit', { rate: 16000, channels: 2, bitDepth: '8' as const }],
  ])('a %s WAV of a 440 Hz tone becomes 8 kHz mono 16-bit PCM, still 440 Hz and as long', async (_label, layout) => {
    const out = await convertPrompt(sineWav({ ...layout, seconds: 2, hz: 440 }), LIMIT);
    expect(out.sourceFormat).toBe('wav');
    const wav = decodeWav(out.wav);
    expect(wav).toMatchObject({ audioFormat: 1, sampleRate: 8000, numChannels: 1, bitsPerSample: 16 });
    expect(Math.abs(out.durationMs - 2000)).toBeLessThanOrEqual(20);
    expect(Math.abs((wav.samples.length / 8000) * 1000 - 2000)).toBeLessThanOrEqual(20);
    expect(dominantHz(wav.samples, 8000)).toBeGreaterThan(435);
    expect(dominantHz(wav.samples, 8000)).toBeLessThan(445);
    // Half of full scale in, about half of full scale out (RMS of a sine is peak/√2): not attenuated away.
    expect(rms(wav.samples)).toBeGreaterThan(0.3 * 16384 * Math.SQRT2);
  });

  it('an 8 kHz A-law WAV is decoded to 16-bit PCM', async () => {
    const out = await convertPrompt(alawSineWav(1, 1000), LIMIT);
    const wav = decodeWav(out.wav);
    expect(wav).toMatchObject({ audioFormat: 1, sampleRate: 8000, numChannels: 1, bitsPerSample: 16 });
    expect(out.durationMs).toBe(1000);
    expect(Math.abs(dominantHz(wav.samples, 8000) - 1000)).toBeLessThan(5);
  });

  it('refuses bytes that are no audio as unsupported, naming the formats it takes', async () => {
    const err = await refusal(Buffer.from('dit is geen geluid, maar tekst'));
    expect(err.problem).toBe('unsupported');
    expect(err.message).toMatch(/^not a recognized audio file; send one of: WAV/);
  });

  it('refuses a WAV cut off after its header as undecodable', async () => {
    const err = await refusal(sineWav({ rate: 8000, channels: 1, bitDepth: '16', seconds: 1, hz: 440 }).subarray(0, 30));
    expect(err.problem).toBe('undecodable');
    expect(err.message).toMatch(/^the WAV file cannot be read/);
  });

  it('refuses audio longer than the limit before converting it', async () => {
    const err = await refusal(alawSineWav(3, 440), { maxDurationMs: 2000 });
    expect(err.problem).toBe('too_long');
    expect(err.message).toBe('the audio lasts 3.0 s; a prompt may last at most 2 s');
  });

  it('recognizes formats by their leading bytes', () => {
    expect(sniffFormat(Buffer.from('ID3\u0004\u0000'))).toBe('mp3');
    expect(sniffFormat(Buffer.from([0xff, 0xfb, 0x90, 0x00]))).toBe('mp3');
    expect(sniffFormat(Buffer.from('OggS\u0000\u0002'))).toBe('ogg');
    expect(sniffFormat(Buffer.from('fLaC\u0000'))).toBe('flac');
    expect(sniffFormat(alawSineWav(0.1, 440))).toBe('wav');
    expect(sniffFormat(Buffer.from('RIFF....AVI LIST'))).toBeUndefined();
  });

  // Whether sox (and its MP3 module) is installed decides the outcome; both outcomes are asserted.
  it.each([
    ['mp3', 'mp3', 'sox libsox-fmt-mp3'],
    ['ogg', 'vorbis', 'sox'],
    ['flac', 'flac', 'sox'],
  ] as const)('a %s upload is converted by sox when sox can read it, else refused naming the package', async (ext, soxType, pkg) => {
    const wav = sineWav({ rate: 44100, channels: 2, bitDepth: '16', seconds: 2, hz: 440 });
    if ((await soxFormats()).has(soxType)) {
      const out = await convertPrompt(soxEncode(wav, ext), LIMIT);
      expect(out.sourceFormat).toBe(ext);
      const decoded = decodeWav(out.wav);
      expect(decoded).toMatchObject({ audioFormat: 1, sampleRate: 8000, numChannels: 1, bitsPerSample: 16 });
      // MP3 encoders pad the start and end by a frame or so.
      expect(Math.abs(out.durationMs - 2000)).toBeLessThanOrEqual(ext === 'mp3' ? 80 : 20);
      expect(Math.abs(dominantHz(decoded.samples, 8000) - 440)).toBeLessThan(5);
    } else {
      const magic = { mp3: 'ID3\u0004\u0000\u0000', ogg: 'OggS\u0000\u0002', flac: 'fLaC\u0000\u0000' }[ext];
      const err = await refusal(Buffer.from(magic + 'x'.repeat(100)));
      expect(err.problem).toBe('unsupported');
      expect(err.message).toContain(`${ext.toUpperCase()} uploads need sox with ${ext.toUpperCase()} support on the server (Debian: ${pkg})`);
    }
  });

  it('refuses an OGG or FLAC header followed by garbage as undecodable when sox reads the format', async () => {
    const formats = await soxFormats();
    const bytes = Buffer.from('fLaC' + 'garbage'.repeat(50));
    const err = await refusal(bytes);
    if (formats.has('flac')) {
      expect(err.problem).toBe('undecodable');
      expect(err.message).toMatch(/^the FLAC audio cannot be decoded: /);
    } else {
      expect(err.problem).toBe('unsupported');
    }
  });
});
