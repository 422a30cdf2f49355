import { assign, createActor, createMachine, type Actor, type EventObject } from 'xstate';
import type { Tariff } from '../numbers/NumberTypes.js';
import type { CallChannel } from './CallChannel.js';
import { leaveNode, withOutcome } from './callPath.js';
import { nodeTarget, type CallContext, type CallEvent, type CallInput, type CallOutput, type PlanStateConfig } from './CallMachineTypes.js';
import { faxToneActor, playActor } from './channelActors.js';
import { faxState } from './nodes/fax.js';
import { announcementState } from './nodes/announcement.js';
import { forwardState } from './nodes/forward.js';
import { hangupState } from './nodes/hangup.js';
import { huntGroupState } from './nodes/huntgroup.js';
import { menuState } from './nodes/menu.js';
import { scheduleState } from './nodes/schedule.js';
import { voicemailState } from './nodes/voicemail.js';
import type { Plan, PlanNode } from './schema.js';

export type { CallContext, CallEvent, CallInput, CallOutput, PathEntry, CallEnd } from './CallMachineTypes.js';

export interface CompileOptions {
  /** The Dutch wording of a tariff as prompt ids (the numbers module writes it). */
  tariffPrompts: (tariff: Tariff) => string[];
}

/** Each node type's state builder lives in its node file; this only dispatches. */
function nodeState(id: string, node: PlanNode): PlanStateConfig {
  switch (node.type) {
    case 'announcement':
      return announcementState(id, node);
    case 'schedule':
      return scheduleState(id, node);
    case 'menu':
      return menuState(id, node);
    case 'forward':
      return forwardState(id, node);
    case 'hangup':
      return hangupState(id, node);
    case 'huntgroup':
      return huntGroupState(id, node);
    case 'voicemail':
      return voicemailState(id, node);
    case 'fax':
      return faxState(id, node);
  }
}

const now = (context: CallContext): number => context.channel.now().getTime();

/**
 * Compiles a validated plan (parsePlan) into an XState v5 machine: one state per node under
 * `plan`, preceded by the tariff announcement when the call's number has a tariff. Every side
 * effect is an invoked promise actor on the call's CallChannel; CALLER_HUNGUP at the root leaves
 * whatever state is active, which stops its actors and aborts their signals. Compile once per
 * plan version; run one actor per call (startCall).
 */
export function compilePlan(plan: Plan, options: CompileOptions) {
  const nodes = Object.fromEntries(Object.entries(plan.nodes).map(([id, node]) => [id, nodeState(id, node)]));
  return createMachine({
    id: 'call',
    types: {} as { context: CallContext; events: CallEvent; input: CallInput; output: CallOutput },
    context: ({ input }) => ({ channel: input.channel, tariff: input.tariff, path: [] }),
    initial: 'begin',
    on: {
      CALLER_HUNGUP: {
        target: '.hungUp',
        actions: assign({ path: ({ context }) => withOutcome(context.path, 'caller hung up'), end: 'caller-hungup' as const }),
      },
    },
    states: {
      begin: {
        always: [{ guard: ({ context }) => context.tariff !== undefined, target: 'tariffAnnouncement' }, { target: 'plan' }],
      },
      // ACM rule: the tariff announcement is free for the caller; charging starts when it ends.
      tariffAnnouncement: {
        entry: assign({ tariffAnnouncementStartedAt: ({ context }) => now(context) }),
        invoke: {
          src: playActor,
          input: ({ context }) => ({ channel: context.channel, prompts: options.tariffPrompts(context.tariff as Tariff) }),
          onDone: { target: 'plan', actions: assign<CallContext, EventObject, undefined, CallEvent, never>({ tariffAnnouncementEndedAt: ({ context }) => now(context) }) },
          onError: { target: 'plan', actions: assign<CallContext, EventObject, undefined, CallEvent, never>({ tariffAnnouncementEndedAt: ({ context }) => now(context) }) },
        },
      },
      plan: { initial: plan.start, states: nodes, ...(plan.onFaxTone !== undefined ? { invoke: onFaxTone(plan.onFaxTone) } : {}) },
      /** A hangup node ran. */
      ended: { type: 'final' },
      /** A forward or hunt group was answered: the runtime bridges the legs; the plan is done. */
      connected: { type: 'final' },
      hungUp: { type: 'final' },
    },
    output: ({ context }) => ({ path: context.path, tariffAnnouncementEndedAt: context.tariffAnnouncementEndedAt, end: context.end }),
  });
}

/**
 * A plan's `onFaxTone`: while the plan runs, listen for the caller's fax machine (CNG) and, when
 * it is heard, leave whatever node is active for the fax node (not when already in one). Not
 * `reenter`, so the plan state and this listener are not restarted.
 */
function onFaxTone(target: string) {
  return {
    src: faxToneActor,
    input: ({ context }: { context: CallContext }) => ({ channel: context.channel }),
    onDone: {
      guard: ({ context }: { context: CallContext }) => context.path.at(-1)?.type !== 'fax',
      target: nodeTarget(target),
      actions: leaveNode('fax tone heard'),
    },
    // Listening that fails just stops listening; the plan carries on.
    onError: {},
  };
}

export type CallMachine = ReturnType<typeof compilePlan>;
export type CallActor = Actor<CallMachine>;

/** Starts one call through a compiled plan. Send { type: 'CALLER_HUNGUP' } when the caller leaves. */
export function startCall(machine: CallMachine, channel: CallChannel, tariff?: Tariff): CallActor {
  const actor = createActor(machine, { input: { channel, tariff } });
  actor.start();
  return actor;
}

/** Resolves with the call's output once the machine reaches a final state. */
export function callEnded(actor: CallActor): Promise<CallOutput> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const snap = actor.getSnapshot();
      if (snap.status === 'done') {
        resolve(snap.output as CallOutput);
        return true;
      }
      if (snap.status === 'error') {
        reject(snap.error);
        return true;
      }
      return false;
    };
    if (check()) return;
    const sub = actor.subscribe({
      next: () => {
        if (check()) sub.unsubscribe();
      },
      error: reject,
      complete: () => check(),
    });
  });
}
