import type { ForwardTarget } from './nodes/forward.js';
import type { HangupCause } from './nodes/hangup.js';

/** How a forward attempt ended. 'answered' leaves the plan: the runtime bridges the two legs. */
export type ForwardResult = 'answered' | 'busy' | 'noanswer' | 'failed';

/**
 * Everything a running plan does to the outside world, for one call: the seam between the plan
 * machine and SIP/media. The runtime implements it on an Endpoint and drachtio-srf; the simulator
 * on a script. Every waiting method takes an AbortSignal that fires when the caller hangs up
 * (or the machine leaves the state), and must then settle promptly and stop what it started.
 */
export interface CallChannel {
  /** Play prompt ids in order; resolves when they have been played. */
  play(prompts: string[], signal: AbortSignal): Promise<void>;
  /**
   * Play prompts and collect up to `maxDigits` keys (the caller may press during the prompts);
   * resolves with the keys, or undefined when `timeoutMs` after the prompts passes without one.
   */
  collect(opts: { prompts: string[]; timeoutMs: number; maxDigits: 1 }, signal: AbortSignal): Promise<string | undefined>;
  /** Ring the target for up to `ringTimeoutMs`. */
  forward(target: ForwardTarget, opts: { ringTimeoutMs: number }, signal: AbortSignal): Promise<ForwardResult>;
  /** End the call from our side. */
  hangup(cause: HangupCause): Promise<void>;
  /** The clock (injected so schedules and the recorded path are testable). */
  now(): Date;
}
