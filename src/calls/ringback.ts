import type { Logger } from '../logger.js';
import type { Endpoint } from '../media/MediaTypes.js';

/** The Dutch ringback tone ("kiestoon"/"beltoon"): 425 Hz, 1 s on, 4 s off (prompts/tones/, scripts/make-prompts.sh). */
export const RINGBACK_TONE = 'tones/ringback';
/** One cadence of the tone file. */
const CADENCE_MS = 5_000;

/**
 * Plays ringback on the caller's endpoint while a forward or hunt group rings (a number call is
 * answered before its plan runs, so the ringing is early media on an answered call). One play of
 * enough cadences for `ringMs`, so a bridge, which stops whatever the endpoint plays, ends it
 * for good. Returns the function that stops it.
 */
export function startRingback(endpoint: Endpoint, ringMs: number, logger: Logger): () => void {
  const stop = new AbortController();
  const cadences = Math.max(1, Math.ceil(ringMs / CADENCE_MS));
  endpoint.play(Array.from({ length: cadences }, () => RINGBACK_TONE), { signal: stop.signal }).catch((err: unknown) => {
    // Aborted (answered, or given up), or the endpoint went away: both are expected.
    if (!stop.signal.aborted) logger.debug({ err: (err as Error).message }, 'ringback stopped');
  });
  return () => stop.abort();
}
