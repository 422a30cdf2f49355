import { assign, type EventObject } from 'xstate';
import type { CallContext, CallEvent, PathEntry } from './CallMachineTypes.js';
import type { PlanNodeType } from './schema.js';

/** Actions that keep the call's path: a row when a node is entered, its outcome when it is left. */

export function enterNode(node: string, type: PlanNodeType) {
  return assign<CallContext, EventObject, undefined, CallEvent, never>({
    path: ({ context }) => [...context.path, { node, type, enteredAt: context.channel.now().getTime() }],
  });
}

export function withOutcome(path: PathEntry[], outcome: string): PathEntry[] {
  const last = path.at(-1);
  if (!last || last.outcome !== undefined) return path;
  return [...path.slice(0, -1), { ...last, outcome }];
}

export function leaveNode(outcome: string | ((output: unknown) => string)) {
  return assign<CallContext, EventObject, undefined, CallEvent, never>({
    path: ({ context, event }) => withOutcome(context.path, typeof outcome === 'string' ? outcome : outcome((event as { output?: unknown }).output)),
  });
}
