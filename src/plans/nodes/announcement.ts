import { z } from 'zod';
import { nodeIdSchema, promptListSchema, type NodeTarget } from '../fields.js';
import { enterNode, leaveNode } from '../callPath.js';
import { nodeStateId, nodeTarget, type PlanStateConfig } from '../CallMachineTypes.js';
import { playActor } from '../channelActors.js';

/** Plays one or more prompts, then continues at `next`. */
export const announcementNodeSchema = z.strictObject({
  type: z.literal('announcement'),
  prompts: promptListSchema,
  next: nodeIdSchema,
});
export type AnnouncementNode = z.infer<typeof announcementNodeSchema>;

export function announcementTargets(node: AnnouncementNode): NodeTarget[] {
  return [{ key: 'next', target: node.next }];
}

export function announcementState(id: string, node: AnnouncementNode): PlanStateConfig {
  const next = { target: nodeTarget(node.next), reenter: true };
  return {
    id: nodeStateId(id),
    entry: enterNode(id, 'announcement'),
    invoke: {
      src: playActor,
      input: ({ context }) => ({ channel: context.channel, prompts: node.prompts }),
      onDone: { ...next, actions: leaveNode('played') },
      // A prompt that cannot be played must not strand the caller: carry on with the plan.
      onError: { ...next, actions: leaveNode('playback failed') },
    },
  };
}
