import { fromPromise } from 'xstate';
import type { CallChannel, ForwardResult } from './CallChannel.js';
import type { ForwardTarget } from './nodes/forward.js';
import type { HangupCause } from './nodes/hangup.js';

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

export const hangupActor = fromPromise<void, { channel: CallChannel; cause: HangupCause }>(({ input }) => input.channel.hangup(input.cause));
