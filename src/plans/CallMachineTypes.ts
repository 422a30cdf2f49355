import type { EventObject, MetaObject, ParameterizedObject, ProvidedActor, StateNodeConfig } from 'xstate';
import type { Tariff } from '../numbers/NumberTypes.js';
import type { CallChannel } from './CallChannel.js';
import type { PlanNodeType } from './schema.js';

/** One node the call passed through (for CDRs and debugging). */
export interface PathEntry {
  node: string;
  type: PlanNodeType;
  /** ms since the epoch, from the channel's clock */
  enteredAt: number;
  /** how the call left the node: 'played', 'open', 'key 2', 'busy', 'caller hung up', … */
  outcome?: string;
}

/** How the call left the plan. */
export type CallEnd = 'hangup' | 'answered' | 'caller-hungup';

export interface CallInput {
  channel: CallChannel;
  /** The called number's caller tariff (0900/0906/0909/18xy); announced before the plan. */
  tariff?: Tariff;
}

export interface CallContext {
  channel: CallChannel;
  tariff?: Tariff;
  path: PathEntry[];
  tariffAnnouncementStartedAt?: number;
  /** ACM rule: the tariff announcement is free for the caller; charging starts at this instant (ms). */
  tariffAnnouncementEndedAt?: number;
  end?: CallEnd;
}

export interface CallOutput {
  path: PathEntry[];
  tariffAnnouncementEndedAt?: number;
  end?: CallEnd;
}

/** The caller hung up (BYE/CANCEL, or the media endpoint went away): stop everything. */
export type CallEvent = { type: 'CALLER_HUNGUP' };

/** The state config each node type's builder returns. */
export type PlanStateConfig = StateNodeConfig<
  CallContext,
  CallEvent,
  ProvidedActor,
  ParameterizedObject,
  ParameterizedObject,
  string,
  string,
  unknown,
  EventObject,
  MetaObject
>;

/** The XState id of a node's state, for absolute transition targets ('#node:menu'). */
export function nodeStateId(nodeId: string): string {
  return `node:${nodeId}`;
}

export function nodeTarget(nodeId: string): string {
  return `#${nodeStateId(nodeId)}`;
}
