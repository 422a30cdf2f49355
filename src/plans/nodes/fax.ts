import { z } from 'zod';
import { assign, type EventObject } from 'xstate';
import { nodeIdSchema, type NodeTarget } from '../fields.js';
import { enterNode, leaveNode } from '../callPath.js';
import { nodeStateId, nodeTarget, type CallContext, type CallEvent, type PlanStateConfig } from '../CallMachineTypes.js';
import { faxActor, hangupActor } from '../channelActors.js';

/** How a fax reception went; a failure's `reason` is what the notice mail says. */
export interface FaxOutcome {
  success: boolean;
  pages: number;
  reason: string;
}

/**
 * Fax-to-email: receives a fax (T.30 over G.711) and mails it as a PDF to `email`, or a notice
 * with the reason when reception fails. Then `next`, or, without `next`, the call ends. A number
 * whose plan starts with a fax node is a fax number; a plan's `onFaxTone` switches a voice call
 * here when the caller's fax machine is heard (CNG).
 */
export const faxNodeSchema = z.strictObject({
  type: z.literal('fax'),
  email: z.array(z.email('an e-mail address like fax@example.nl')).min(1, 'at least one address').max(10),
  next: nodeIdSchema.optional(),
});
export type FaxNode = z.infer<typeof faxNodeSchema>;

export function faxTargets(node: FaxNode): NodeTarget[] {
  return node.next === undefined ? [] : [{ key: 'next', target: node.next }];
}

/** A fax node without `next` ends the call itself. */
export function faxEndsCall(node: FaxNode): boolean {
  return node.next === undefined;
}

function faxPathOutcome(output: unknown): string {
  const o = output as FaxOutcome;
  return o.success ? `fax received (${o.pages} page${o.pages === 1 ? '' : 's'})` : `fax failed: ${o.reason}`;
}

export function faxState(id: string, node: FaxNode): PlanStateConfig {
  const after = node.next !== undefined ? { target: nodeTarget(node.next), reenter: true } : { target: 'bye' };
  const ended = { target: '#call.ended', actions: assign<CallContext, EventObject, undefined, CallEvent, never>({ end: 'hangup' }) };
  return {
    id: nodeStateId(id),
    entry: enterNode(id, 'fax'),
    initial: 'receive',
    states: {
      receive: {
        invoke: {
          src: faxActor,
          input: ({ context }) => ({ channel: context.channel, email: node.email }),
          onDone: { ...after, actions: leaveNode(faxPathOutcome) },
          onError: { ...after, actions: leaveNode('fax failed') },
        },
      },
      bye: {
        invoke: {
          src: hangupActor,
          input: ({ context }) => ({ channel: context.channel, cause: 'normal' as const }),
          onDone: ended,
          onError: ended,
        },
      },
    },
  };
}
