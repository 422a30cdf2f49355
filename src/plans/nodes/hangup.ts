import { z } from 'zod';
import { assign, type EventObject } from 'xstate';
import type { NodeTarget } from '../fields.js';
import { enterNode, leaveNode } from '../callPath.js';
import { nodeStateId, type CallContext, type CallEvent, type PlanStateConfig } from '../CallMachineTypes.js';
import { hangupActor } from '../channelActors.js';

/** Ends the call. The cause picks the SIP response/reason the runtime uses. */
export const hangupNodeSchema = z.strictObject({
  type: z.literal('hangup'),
  cause: z.enum(['normal', 'busy', 'unavailable']).default('normal'),
});
export type HangupNode = z.infer<typeof hangupNodeSchema>;
export type HangupCause = HangupNode['cause'];

export function hangupTargets(_node: HangupNode): NodeTarget[] {
  return [];
}

/** Hangs up; the call's end is 'hangup' whether or not the far end acknowledged cleanly. */
export function hangupState(id: string, node: HangupNode): PlanStateConfig {
  const done = { target: '#call.ended', actions: [leaveNode(`hung up (${node.cause})`), assign<CallContext, EventObject, undefined, CallEvent, never>({ end: 'hangup' })] };
  return {
    id: nodeStateId(id),
    entry: enterNode(id, 'hangup'),
    invoke: { src: hangupActor, input: ({ context }) => ({ channel: context.channel, cause: node.cause }), onDone: done, onError: done },
  };
}
