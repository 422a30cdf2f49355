/**
 * When a recording is a message. Callers who hang up at the beep, or whose line sends only
 * silence or comfort noise, must not leave an empty message in the box and in the mailbox.
 *
 * The rule: the recording is cut in 20 ms frames (160 samples at 8 kHz); a frame is "voiced"
 * when its RMS is at least VOICED_RMS (300 of 32768, about -41 dBFS: quiet speech on a phone
 * line is -30 dBFS or louder, line noise and G.711 idle patterns stay below -50 dBFS). A
 * recording is a message when it holds at least MIN_VOICED_SECONDS (0.5 s) of voiced frames,
 * anywhere in it (they need not be consecutive).
 */

export const FRAME_SAMPLES = 160;
export const VOICED_RMS = 300;
export const MIN_VOICED_SECONDS = 0.5;

export interface MessageAudio {
  /** Seconds of 20 ms frames at or above VOICED_RMS. */
  voicedSeconds: number;
  /** True when voicedSeconds reaches MIN_VOICED_SECONDS. */
  isMessage: boolean;
}

function frameRms(pcm: Int16Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += pcm[i]! * pcm[i]!;
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** Judges 8 kHz 16-bit mono samples by the rule above. */
export function judgeRecording(pcm: Int16Array, rate = 8000): MessageAudio {
  let voicedFrames = 0;
  for (let at = 0; at + FRAME_SAMPLES <= pcm.length; at += FRAME_SAMPLES) {
    if (frameRms(pcm, at, at + FRAME_SAMPLES) >= VOICED_RMS) voicedFrames++;
  }
  const voicedSeconds = (voicedFrames * FRAME_SAMPLES) / rate;
  return { voicedSeconds, isMessage: voicedSeconds >= MIN_VOICED_SECONDS };
}
