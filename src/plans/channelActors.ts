import { fromPromise } from 'xstate';
import type { CallChannel, ForwardResult, HuntResult } from './CallChannel.js';
import type { FaxOutcome } from './nodes/fax.js';
import type { ForwardTarget } from './nodes/forward.js';
import type { HangupCause } from './nodes/hangup.js';
import type { HuntGroupSpec } from './nodes/huntgroup.js';
import type { VoicemailResult } from './nodes/voicemail.js';

/**
 * The plan machine's side effects: one promise actor per CallChannel method. XState aborts the
 * `signal` it hands a promise actor when the actor stops, i.e. when its state is left (the
 * caller hung up, or the node finished), so media and ringing stop with the state.
 */

export const playActor = fromPromise<void, { channel: CallChannel; prompts: string[] }>(({ input, signal }) =>
  input.channel.play(input.prompts, signal),
);

export const collectActor = fromPromise<string | undefined, { channel: CallChannel; prompts: string[]; timeoutMs: number }>(
  ({ input, signal }) => input.channel.collect({ prompts: input.prompts, timeoutMs: input.timeoutMs, maxDigits: 1 }, signal),
);

export const forwardActor = fromPromise<ForwardResult, { channel: CallChannel; to: ForwardTarget; ringTimeoutMs: number }>(
  ({ input, signal }) => input.channel.forward(input.to, { ringTimeoutMs: input.ringTimeoutMs }, signal),
);

export const huntActor = fromPromise<HuntResult, { channel: CallChannel; group: HuntGroupSpec }>(({ input, signal }) => input.channel.huntGroup(input.group, signal));

export const voicemailActor = fromPromise<VoicemailResult, { channel: CallChannel; box: string }>(({ input, signal }) => input.channel.voicemail(input.box, signal));

export const faxActor = fromPromise<FaxOutcome, { channel: CallChannel; email: string[] }>(({ input, signal }) => input.channel.receiveFax({ email: input.email }, signal));

/** Resolves when the caller's fax machine is heard (CNG); the signal stops listening. */
export const faxToneActor = fromPromise<void, { channel: CallChannel }>(({ input, signal }) => input.channel.waitForFaxTone(signal));

export const hangupActor = fromPromise<void, { channel: CallChannel; cause: HangupCause }>(({ input }) => input.channel.hangup(input.cause));
