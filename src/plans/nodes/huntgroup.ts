import { z } from 'zod';
import { assign, type EventObject } from 'xstate';
import { nodeIdSchema, type NodeTarget } from '../fields.js';
import { enterNode, leaveNode } from '../callPath.js';
import type { HuntResult } from '../CallChannel.js';
import { nodeStateId, nodeTarget, type CallContext, type CallEvent, type PlanStateConfig } from '../CallMachineTypes.js';
import { huntActor } from '../channelActors.js';
import { forwardTargetSchema, type ForwardTarget } from './forward.js';

/**
 * How a hunt group ("belgroep") picks who rings:
 * - simultaneous: every member at once; the first to answer gets the call.
 * - sequential: one member at a time in the listed order, each for `memberRingMs`.
 * - round-robin: like sequential, starting after the member who answered the group's last call.
 * - longest-idle: like sequential, the member whose last call ended longest ago first.
 */
export const HUNT_STRATEGIES = ['simultaneous', 'sequential', 'round-robin', 'longest-idle'] as const;
export type HuntStrategy = (typeof HUNT_STRATEGIES)[number];

/** A member's name in paths, logs and the shared hunt state: 'account:201' or 'number:+31201234567'. */
export function memberName(member: ForwardTarget): string {
  return 'account' in member ? `account:${member.account}` : `number:${member.number}`;
}

/**
 * Rings a group of accounts (each with all its registered phones) and external numbers. Members
 * at their channel limit or without a registered phone are skipped. The first to answer is
 * bridged to the caller; every other phone is cancelled first. `ringTimeoutMs` bounds the whole
 * hunt; when nobody answers the call goes to `onNoAnswer`, when everyone reachable is busy to
 * `onBusy`.
 */
export const huntGroupNodeSchema = z
  .strictObject({
    type: z.literal('huntgroup'),
    strategy: z.enum(HUNT_STRATEGIES),
    members: z.array(forwardTargetSchema).min(1, 'a hunt group needs at least one member').max(50),
    /** How long one member rings (not used by simultaneous). */
    memberRingMs: z.number().int().min(2_000).max(300_000).default(20_000),
    /** How long the whole hunt may take before onNoAnswer. */
    ringTimeoutMs: z.number().int().min(5_000).max(600_000).default(60_000),
    onNoAnswer: nodeIdSchema,
    onBusy: nodeIdSchema,
  })
  .superRefine((node, ctx) => {
    const seen = new Set<string>();
    node.members.forEach((m, i) => {
      const name = memberName(m);
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['members', i], message: `${name} is already a member of this group` });
      seen.add(name);
    });
  });
export type HuntGroupNode = z.infer<typeof huntGroupNodeSchema>;

/** What the runtime needs to ring a group: the node, and its id (part of the key of the group's shared state). */
export interface HuntGroupSpec {
  nodeId: string;
  strategy: HuntStrategy;
  members: ForwardTarget[];
  memberRingMs: number;
  ringTimeoutMs: number;
}

export function huntGroupTargets(node: HuntGroupNode): NodeTarget[] {
  return [
    { key: 'onNoAnswer', target: node.onNoAnswer },
    { key: 'onBusy', target: node.onBusy },
  ];
}

/** An answered hunt ends the plan ('#call.connected'), like an answered forward. */
export function huntGroupState(id: string, node: HuntGroupNode): PlanStateConfig {
  const result = ({ event }: { event: unknown }): HuntResult => (event as { output: HuntResult }).output;
  const spec: HuntGroupSpec = { nodeId: id, strategy: node.strategy, members: node.members, memberRingMs: node.memberRingMs, ringTimeoutMs: node.ringTimeoutMs };
  return {
    id: nodeStateId(id),
    entry: enterNode(id, 'huntgroup'),
    invoke: {
      src: huntActor,
      input: ({ context }) => ({ channel: context.channel, group: spec }),
      onDone: [
        {
          guard: (args) => result(args) === 'answered',
          target: '#call.connected',
          actions: [leaveNode('answered'), assign<CallContext, EventObject, undefined, CallEvent, never>({ end: 'answered' })],
        },
        { guard: (args) => result(args) === 'busy', target: nodeTarget(node.onBusy), reenter: true, actions: leaveNode('busy') },
        { target: nodeTarget(node.onNoAnswer), reenter: true, actions: leaveNode('noanswer') },
      ],
      // Ringing failed outright (store or media trouble): nobody answered.
      onError: { target: nodeTarget(node.onNoAnswer), reenter: true, actions: leaveNode('failed') },
    },
  };
}
