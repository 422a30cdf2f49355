import { z } from 'zod';
import { normalizeNumber } from '../../routing/numbers.js';
import { assign, type EventObject } from 'xstate';
import { accountRefSchema, nodeIdSchema, type NodeTarget } from '../fields.js';
import { enterNode, leaveNode } from '../callPath.js';
import type { ForwardResult } from '../CallChannel.js';
import { nodeStateId, nodeTarget, type CallContext, type CallEvent, type PlanStateConfig } from '../CallMachineTypes.js';
import { forwardActor } from '../channelActors.js';

/**
 * Where a forward rings: a registered account (its phones) or an external number. One object
 * with exactly one of the two keys (rather than a union) so a mistake gets a precise message.
 */
export const forwardTargetSchema = z
  .strictObject({
    account: accountRefSchema.optional(),
    // Any notation people write (0909 123 4567, 0031…, +31…); the plan keeps E.164.
    number: z
      .string()
      .transform((raw, ctx) => {
        const e164 = normalizeNumber(raw);
        if (e164 === undefined) {
          ctx.addIssue({ code: 'custom', message: `"${raw}" is not a dialable number (use E.164 like +31201234567 or Dutch notation like 020 123 4567)` });
          return z.NEVER;
        }
        return e164;
      })
      .optional(),
  })
  .refine((t) => (t.account === undefined) !== (t.number === undefined), 'give exactly one of "account" (a username) or "number"')
  .transform((t): { account: string } | { number: string } => (t.account !== undefined ? { account: t.account } : { number: t.number as string }));
export type ForwardTarget = z.infer<typeof forwardTargetSchema>;

/** Rings `to` for up to `ringTimeoutMs`; an answered call leaves the plan (the parties are bridged). */
export const forwardNodeSchema = z.strictObject({
  type: z.literal('forward'),
  to: forwardTargetSchema,
  ringTimeoutMs: z.number().int().min(5_000).max(300_000),
  onBusy: nodeIdSchema,
  onNoAnswer: nodeIdSchema,
  onFailure: nodeIdSchema,
});
export type ForwardNode = z.infer<typeof forwardNodeSchema>;

export function forwardTargets(node: ForwardNode): NodeTarget[] {
  return [
    { key: 'onBusy', target: node.onBusy },
    { key: 'onNoAnswer', target: node.onNoAnswer },
    { key: 'onFailure', target: node.onFailure },
  ];
}

const BRANCH: Record<Exclude<ForwardResult, 'answered'>, 'onBusy' | 'onNoAnswer' | 'onFailure'> = {
  busy: 'onBusy',
  noanswer: 'onNoAnswer',
  failed: 'onFailure',
};

/** An answered forward ends the plan ('#call.connected'); every other result takes its branch. */
export function forwardState(id: string, node: ForwardNode): PlanStateConfig {
  const result = ({ event }: { event: unknown }): ForwardResult => (event as { output: ForwardResult }).output;
  return {
    id: nodeStateId(id),
    entry: enterNode(id, 'forward'),
    invoke: {
      src: forwardActor,
      input: ({ context }) => ({ channel: context.channel, to: node.to, ringTimeoutMs: node.ringTimeoutMs }),
      onDone: [
        {
          guard: (args) => result(args) === 'answered',
          target: '#call.connected',
          actions: [leaveNode('answered'), assign<CallContext, EventObject, undefined, CallEvent, never>({ end: 'answered' })],
        },
        ...(Object.keys(BRANCH) as Array<keyof typeof BRANCH>).map((r) => ({
          guard: (args: { event: unknown }) => result(args) === r,
          target: nodeTarget(node[BRANCH[r]]),
          reenter: true,
          actions: leaveNode(r),
        })),
        // A channel that answers something else is a failure, not a stuck call.
        { target: nodeTarget(node.onFailure), reenter: true, actions: leaveNode('failed') },
      ],
      onError: { target: nodeTarget(node.onFailure), reenter: true, actions: leaveNode('failed') },
    },
  };
}
