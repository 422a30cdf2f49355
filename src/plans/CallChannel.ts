import type { FaxOutcome } from './nodes/fax.js';
import type { ForwardTarget } from './nodes/forward.js';
import type { HangupCause } from './nodes/hangup.js';
import type { HuntGroupSpec } from './nodes/huntgroup.js';
import type { VoicemailResult } from './nodes/voicemail.js';

/** How a forward attempt ended. 'answered' leaves the plan: the runtime bridges the two legs. */
export type ForwardResult = 'answered' | 'busy' | 'noanswer' | 'failed';

/** How a hunt group ended: 'busy' when every member that could be reached was busy. */
export type HuntResult = 'answered' | 'busy' | 'noanswer';

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
  /** Ring a hunt group's members by its strategy, within its overall ring timeout. */
  huntGroup(group: HuntGroupSpec, signal: AbortSignal): Promise<HuntResult>;
  /** Greeting, beep and a recorded message into the box (id or name of the number's customer). */
  voicemail(box: string, signal: AbortSignal): Promise<VoicemailResult>;
  /** Receive a fax and mail it (or a notice of the failure) to `email`; resolves when reception ends. */
  receiveFax(opts: { email: string[] }, signal: AbortSignal): Promise<FaxOutcome>;
  /** Resolves when the caller's fax machine is heard (CNG, 1100 Hz); listening stops when `signal` aborts. */
  waitForFaxTone(signal: AbortSignal): Promise<void>;
  /** End the call from our side. */
  hangup(cause: HangupCause): Promise<void>;
  /** The clock (injected so schedules and the recorded path are testable). */
  now(): Date;
}
