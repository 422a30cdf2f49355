/**
 * Reading hold from an SDP offer (RFC 3264 §5.1, §8.4): a party that puts the call on hold offers
 * its audio sendonly or inactive, or (the RFC 2543 style older phones still send) c=0.0.0.0.
 */
import sdpTransform from 'sdp-transform';

/** The music a party on hold hears (prompts/moh/default.wav, looped). */
export const DEFAULT_MOH_PROMPT = 'moh/default';

/** Whether the offer puts the call on hold: the offerer no longer wants to receive our audio. */
export function isHoldOffer(sdp: string): boolean {
  let parsed: sdpTransform.SessionDescription;
  try {
    parsed = sdpTransform.parse(sdp);
  } catch {
    return false;
  }
  const audio = parsed.media.find((m) => m.type === 'audio' && m.port !== 0);
  if (!audio) return false;
  const host = audio.connection?.ip ?? parsed.connection?.ip;
  if (host === '0.0.0.0') return true;
  const direction = audio.direction ?? parsed.direction ?? 'sendrecv';
  return direction === 'sendonly' || direction === 'inactive';
}
