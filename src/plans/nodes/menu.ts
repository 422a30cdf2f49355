import { z } from 'zod';
import { nodeIdSchema, promptListSchema, type NodeTarget } from '../fields.js';
import { enterNode, leaveNode } from '../callPath.js';
import { nodeTarget, nodeStateId, type PlanStateConfig } from '../CallMachineTypes.js';
import { collectActor } from '../channelActors.js';

/** The keys a caller can press (RFC 4733 events 0-11). */
export const MENU_KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;

/**
 * Plays `prompts` and waits up to `timeoutMs` for one key. A key without an option plays
 * `invalid`, no key plays `noInput` (when given), and the menu asks again; after `retries`
 * repeats the call goes to `fallback`.
 */
export const menuNodeSchema = z.strictObject({
  type: z.literal('menu'),
  prompts: promptListSchema,
  options: z
    .record(z.string().regex(/^[0-9*#]$/, `a menu key is one of ${MENU_KEYS.join(' ')}`), nodeIdSchema)
    .refine((o) => Object.keys(o).length > 0, 'a menu needs at least one option'),
  timeoutMs: z.number().int().min(1000).max(60_000),
  retries: z.number().int().min(0).max(5).default(2),
  invalid: promptListSchema,
  noInput: promptListSchema.optional(),
  fallback: nodeIdSchema,
});
export type MenuNode = z.infer<typeof menuNodeSchema>;

export function menuTargets(node: MenuNode): NodeTarget[] {
  return [
    ...Object.entries(node.options).map(([key, target]) => ({ key: `options.${key}`, target })),
    { key: 'fallback', target: node.fallback },
  ];
}

type Attempt = { name: string; prompts: string[] };

/**
 * The attempts as states, all known from the node: 'ask', then per retry one state after an
 * invalid key and one after no key (each plays its feedback before the menu again). The retry
 * count lives in the state name, not in a counter in the context.
 */
function attempts(node: MenuNode): Attempt[][] {
  const rounds: Attempt[][] = [[{ name: 'ask', prompts: node.prompts }]];
  for (let k = 1; k <= node.retries; k++) {
    rounds.push([
      { name: `retry${k}AfterInvalid`, prompts: [...node.invalid, ...node.prompts] },
      { name: `retry${k}AfterNoInput`, prompts: [...(node.noInput ?? []), ...node.prompts] },
    ]);
  }
  return rounds;
}

export function menuState(id: string, node: MenuNode): PlanStateConfig {
  const rounds = attempts(node);
  const key = (event: unknown): string | undefined => (event as { output?: string }).output;
  const states: Record<string, PlanStateConfig> = {};
  rounds.forEach((round, k) => {
    const next = rounds[k + 1];
    for (const attempt of round) {
      states[attempt.name] = {
        invoke: {
          src: collectActor,
          input: ({ context }) => ({ channel: context.channel, prompts: attempt.prompts, timeoutMs: node.timeoutMs }),
          onDone: [
            ...Object.entries(node.options).map(([digit, target]) => ({
              guard: ({ event }: { event: unknown }) => key(event) === digit,
              target: nodeTarget(target),
              reenter: true,
              actions: leaveNode(`key ${digit}`),
            })),
            next
              ? { guard: ({ event }: { event: unknown }) => key(event) === undefined, target: next[1].name }
              : { guard: ({ event }: { event: unknown }) => key(event) === undefined, target: nodeTarget(node.fallback), reenter: true, actions: leaveNode('fallback (no input)') },
            next
              ? { target: next[0].name }
              : { target: nodeTarget(node.fallback), reenter: true, actions: leaveNode('fallback (invalid key)') },
          ],
          // Collecting failed (media trouble): do what the plan says to do when all else fails.
          onError: { target: nodeTarget(node.fallback), reenter: true, actions: leaveNode('fallback (collect failed)') },
        },
      };
    }
  });
  return { id: nodeStateId(id), entry: enterNode(id, 'menu'), initial: 'ask', states };
}
