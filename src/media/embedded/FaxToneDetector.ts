/**
 * Detects the fax calling tone (CNG, ITU-T T.30 §4.1.1 / V.25: 1100 Hz ±38 Hz, 0.5 s on, 3 s
 * off) in 20 ms frames of 8 kHz linear audio, as FreeSWITCH's spandsp_start_fax_detect does.
 *
 * Each frame is a "tone frame" when a Goertzel filter at 1100 Hz (and at ±19 Hz, to cover the
 * tolerance) holds most of the frame's energy at an audible level. A burst counts as CNG when
 * it lasts the CNG on-time (400–700 ms, 0.5 s ±15% plus a frame of jitter either side) and is
 * followed by 100 ms without the tone (the start of the 3 s off-time). Speech and music rarely
 * keep one pure 1100 Hz partial for that long and then stop; a caller's long whistle or a test
 * tone longer than 700 ms is not CNG either.
 */

const SAMPLE_RATE = 8000;
const FREQUENCIES = [1081, 1100, 1119];
/** Share of the frame's energy at 1100 Hz (1.0 for a pure tone; ≥0.6 within the ±38 Hz tolerance). */
const MIN_TONE_SHARE = 0.5;
/** About -43 dBm0: quieter frames are line noise, not a tone. */
const MIN_RMS = 60;
const FRAME_MS = 20;
const MIN_ON_FRAMES = 400 / FRAME_MS;
const MAX_ON_FRAMES = 700 / FRAME_MS;
const OFF_FRAMES = 100 / FRAME_MS;

const COEFFICIENTS = FREQUENCIES.map((f) => 2 * Math.cos((2 * Math.PI * f) / SAMPLE_RATE));

/**
 * The share of `frame`'s energy at the strongest of the CNG frequencies: 2|X(f)|² / (N·Σx²),
 * which is 1 for a pure sinusoid at f and near 0 for broadband sound.
 */
export function cngToneShare(frame: Int16Array): { share: number; rms: number } {
  const n = frame.length;
  let energy = 0;
  for (let i = 0; i < n; i++) energy += frame[i] * frame[i];
  if (n === 0 || energy === 0) return { share: 0, rms: 0 };
  let best = 0;
  for (const coeff of COEFFICIENTS) {
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const s0 = frame[i] + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if (power > best) best = power;
  }
  return { share: (2 * best) / (n * energy), rms: Math.sqrt(energy / n) };
}

export function isCngFrame(frame: Int16Array): boolean {
  const { share, rms } = cngToneShare(frame);
  return rms >= MIN_RMS && share >= MIN_TONE_SHARE;
}

/** Feed it every received 20 ms frame; `accept` returns true once, at the end of the first CNG burst. */
export class FaxToneDetector {
  private onFrames = 0;
  private offFrames = 0;
  /** A burst of the right length ended; waiting for the off-time to confirm it. */
  private candidate = false;
  private detected = false;

  accept(frame: Int16Array): boolean {
    if (this.detected) return false;
    if (isCngFrame(frame)) {
      if (this.candidate) {
        // The tone came back too soon: not the 3 s off-time of CNG.
        this.candidate = false;
        this.onFrames = 0;
      }
      this.onFrames++;
      this.offFrames = 0;
      return false;
    }
    if (this.onFrames > 0) {
      this.candidate = this.onFrames >= MIN_ON_FRAMES && this.onFrames <= MAX_ON_FRAMES;
      this.onFrames = 0;
    }
    if (!this.candidate) return false;
    this.offFrames++;
    if (this.offFrames < OFF_FRAMES) return false;
    this.detected = true;
    return true;
  }

  reset(): void {
    this.onFrames = 0;
    this.offFrames = 0;
    this.candidate = false;
    this.detected = false;
  }
}
