/**
 * What the admin sees of the calls in progress on this app instance: who calls which number,
 * where in the plan the call is, and whether it rings, is connected or on hold. The number-call
 * runtime (NumberCall.ts, ConnectedCall.ts) and the phones' router (via LiveCalls in
 * src/app/drain.ts, which owns this list) keep it current; the API reads it (src/api/calls.ts).
 *
 * Each instance keeps its own calls here; with Redis (REDIS_URL) it mirrors them to Redis
 * (RedisLiveCalls.ts), so any instance's API lists the calls of all of them.
 */
import type { CallerIdentity } from '../cdr/CdrTypes.js';
import { shownCaller } from '../cdr/callerIdentity.js';
import type { PlanNodeType } from '../plans/schema.js';

/** 'in-plan': the plan plays or asks; 'ringing': a forward or hunt group rings someone. */
export const LIVE_CALL_STATES = ['in-plan', 'ringing', 'connected', 'on-hold'] as const;
export type LiveCallState = (typeof LIVE_CALL_STATES)[number];

export interface LiveCallEntry {
  callId: string;
  /** 'number': a call to one of our service numbers; 'phone': a call from one of our phones. */
  kind: 'number' | 'phone';
  customerId?: string;
  numberId?: string;
  /** The calling phone's account (phone calls). */
  accountId?: string;
  /** The service number (E.164), or what the phone dialled. */
  called: string;
  /** The caller as the admin may see it: 'anonymous' for a restricted presentation. */
  caller: string;
  state: LiveCallState;
  /** The plan node the call is in (number calls, while the plan runs). */
  node?: string;
  nodeType?: PlanNodeType;
  startedAt: number;
}

/** The state a plan node puts the call in: forwards and hunt groups ring someone. */
export function stateOfNode(type: PlanNodeType): LiveCallState {
  return type === 'forward' || type === 'huntgroup' ? 'ringing' : 'in-plan';
}

/** Where the list is copied for other instances to read (RedisLiveCalls.ts). */
export interface LiveCallMirror {
  put(entry: LiveCallEntry): void;
  remove(callId: string): void;
}

export class LiveCallList {
  private readonly calls = new Map<string, LiveCallEntry>();
  private mirror: LiveCallMirror | undefined;

  /** Copies every change to `mirror` from now on. */
  mirrorTo(mirror: LiveCallMirror): void {
    this.mirror = mirror;
  }

  /** A call started; `caller` is stored as shown (restricted presentation → 'anonymous'). */
  start(entry: Omit<LiveCallEntry, 'caller'> & { caller: CallerIdentity }): void {
    this.set({ ...entry, caller: shownCaller(entry.caller) });
  }

  /** The call moved on (a new plan node, answered, on hold); unknown calls are ignored. */
  update(callId: string, change: Partial<Pick<LiveCallEntry, 'state' | 'node' | 'nodeType'>>): void {
    const entry = this.calls.get(callId);
    if (entry) this.set({ ...entry, ...change });
  }

  end(callId: string): void {
    if (this.calls.delete(callId)) this.mirror?.remove(callId);
  }

  private set(entry: LiveCallEntry): void {
    this.calls.set(entry.callId, entry);
    this.mirror?.put(entry);
  }

  /** The calls in progress, oldest first. */
  list(): LiveCallEntry[] {
    return [...this.calls.values()].sort((a, b) => a.startedAt - b.startedAt);
  }
}
