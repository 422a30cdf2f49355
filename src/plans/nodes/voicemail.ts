import { z } from 'zod';
import { assign, type EventObject } from 'xstate';
import { nodeIdSchema, voicemailBoxRefSchema, type NodeTarget } from '../fields.js';
import { enterNode, leaveNode } from '../callPath.js';
import { nodeStateId, nodeTarget, type CallContext, type CallEvent, type PlanStateConfig } from '../CallMachineTypes.js';
import { hangupActor, voicemailActor } from '../channelActors.js';

/**
 * How leaving a message went: 'recorded' (stored and mailed), 'empty' (no real audio, nothing
 * kept), 'no-box' (the box does not exist for this customer), 'hung-up' (before the beep).
 */
export type VoicemailResult = 'recorded' | 'empty' | 'no-box' | 'hung-up';

/**
 * Voicemail: the box's greeting (or nl/voicemail-begroeting), a beep, then a recording until
 * '#', the box's silence time or its maximum length. Then `next`, or, without `next`, the call
 * ends. The box is named by id or by its name within the number's customer.
 */
export const voicemailNodeSchema = z.strictObject({
  type: z.literal('voicemail'),
  box: voicemailBoxRefSchema,
  next: nodeIdSchema.optional(),
});
export type VoicemailNode = z.infer<typeof voicemailNodeSchema>;

export function voicemailTargets(node: VoicemailNode): NodeTarget[] {
  return node.next === undefined ? [] : [{ key: 'next', target: node.next }];
}

/** A voicemail node without `next` ends the call itself. */
export function voicemailEndsCall(node: VoicemailNode): boolean {
  return node.next === undefined;
}

export function voicemailState(id: string, node: VoicemailNode): PlanStateConfig {
  const after = node.next !== undefined ? { target: nodeTarget(node.next), reenter: true } : { target: 'bye' };
  return {
    id: nodeStateId(id),
    entry: enterNode(id, 'voicemail'),
    initial: 'record',
    states: {
      record: {
        invoke: {
          src: voicemailActor,
          input: ({ context }) => ({ channel: context.channel, box: node.box }),
          onDone: { ...after, actions: leaveNode((output) => `message ${String(output)}`) },
          onError: { ...after, actions: leaveNode('voicemail failed') },
        },
      },
      bye: {
        invoke: {
          src: hangupActor,
          input: ({ context }) => ({ channel: context.channel, cause: 'normal' as const }),
          onDone: { target: '#call.ended', actions: assign<CallContext, EventObject, undefined, CallEvent, never>({ end: 'hangup' }) },
          onError: { target: '#call.ended', actions: assign<CallContext, EventObject, undefined, CallEvent, never>({ end: 'hangup' }) },
        },
      },
    },
  };
}
