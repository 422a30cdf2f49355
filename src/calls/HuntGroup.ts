/**
 * A hunt group ("belgroep") on a live call: rings the members of a huntgroup node by its
 * strategy (the order rules are src/routing/huntOrder.ts), skips members at their channel limit
 * or without a registered phone, and hands the first leg that answers to the call to be bridged.
 * forkCall CANCELs every other leg before it resolves, so no phone keeps ringing once somebody
 * answered, and before the caller is connected. Round-robin and longest-idle read and write the
 * group's memory in the shared store (store.huntGroups). Sequential and round-robin groups go
 * round their members again while the overall ring timeout allows (huntRounds).
 */
import type { HuntResult } from '../plans/CallChannel.js';
import { memberName, type HuntGroupSpec } from '../plans/nodes/huntgroup.js';
import type { ForwardTarget } from '../plans/schema.js';
import type { Lease } from '../routing/ChannelLimit.js';
import { ForkError, type ForkTarget } from '../routing/forkCall.js';
import { huntOrder, huntOutcome, huntRounds, memberOutcomeOf, memberRingTime, ringsAgain, type MemberOutcome } from '../routing/huntOrder.js';
import type { HuntMemory } from '../store/StoreTypes.js';
import { resolveForwardTarget, ringLeg, type AnsweredBy, type ConnectedLeg, type RingDeps } from './MediaCallChannel.js';

export interface HuntGroupDeps extends RingDeps {
  /** The group's key in the shared hunt state: plan and node, stable across plan versions. */
  groupKey: string;
  /**
   * Bridges an answered leg to the caller. False when the caller left meanwhile; the leg is then
   * hung up and its endpoint and lease freed.
   */
  connect(leg: ConnectedLeg): Promise<boolean>;
}

/** A member that can ring now: its phones (or trunk target) and the channel slot taken for it. */
interface Reachable {
  name: string;
  member: ForwardTarget;
  targets: ForkTarget[];
  lease?: Lease;
  accountId?: string;
  auth?: { username: string; password: string };
}

/** The key of a hunt group in the store: the plan without its version, so the pointer survives a publish. */
export function huntGroupKey(planSource: string, nodeId: string): string {
  return `${planSource.replace(/@\d+$/, '')}#${nodeId}`;
}

/** Rings the group; 'answered' means the call is bridged to a member (the channel's `connected`). */
export async function runHuntGroup(deps: HuntGroupDeps, spec: HuntGroupSpec, signal: AbortSignal): Promise<HuntResult> {
  const log = deps.logger.child({ huntGroup: deps.groupKey, strategy: spec.strategy });
  const byName = new Map(spec.members.map((m) => [memberName(m), m]));
  const memory = spec.strategy === 'round-robin' || spec.strategy === 'longest-idle' ? await readMemory(deps, [...byName.keys()]) : { lastActivity: {} };
  const order = huntOrder(spec.strategy, [...byName.keys()], memory);
  log.info({ order }, 'hunt group rings');
  const outcomes = new Map<string, MemberOutcome>();

  if (spec.strategy === 'simultaneous') {
    const settled = await Promise.allSettled(order.map((name) => reach(deps, name, byName.get(name) as ForwardTarget)));
    const reachable = settled.flatMap((s) => (s.status === 'fulfilled' && typeof s.value !== 'string' ? [s.value] : []));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) {
      await releaseAll(reachable);
      throw failure.reason;
    }
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled' && typeof s.value === 'string') outcomes.set(order[i], s.value);
    });
    if (reachable.length > 0) {
      const r = await ringMembers(deps, reachable, spec.ringTimeoutMs, signal);
      if ('answered' in r) return r.answered;
      for (const [name, outcome] of r.outcomes) outcomes.set(name, outcome);
    }
  } else {
    const deadline = Date.now() + spec.ringTimeoutMs;
    const rounds = huntRounds(spec.strategy, order.length, spec.memberRingMs, spec.ringTimeoutMs);
    let round: MemberOutcome[] = [];
    for (let done = 0; done === 0 || (!signal.aborted && ringsAgain(done, rounds, round, deadline, Date.now())); done++) {
      if (done > 0) log.info({ round: done + 1, rounds }, 'hunt group rings its members again');
      round = [];
      for (const name of order) {
        const ringMs = memberRingTime(spec.memberRingMs, deadline, Date.now());
        if (ringMs === 0 || signal.aborted) {
          // A member that rang in an earlier round keeps that outcome.
          if (!outcomes.has(name)) outcomes.set(name, 'not-tried');
          continue;
        }
        const reached = await reach(deps, name, byName.get(name) as ForwardTarget);
        if (typeof reached === 'string') {
          log.info({ member: name, outcome: reached }, 'hunt group member skipped');
          outcomes.set(name, reached);
          round.push(reached);
          continue;
        }
        const r = await ringMembers(deps, [reached], ringMs, signal);
        if ('answered' in r) return r.answered;
        for (const [member, outcome] of r.outcomes) {
          outcomes.set(member, outcome);
          round.push(outcome);
        }
      }
    }
  }
  const result = huntOutcome([...outcomes.values()]);
  log.info({ outcomes: Object.fromEntries(outcomes), result }, 'hunt group not answered');
  return result;
}

async function readMemory(deps: HuntGroupDeps, members: string[]): Promise<HuntMemory> {
  try {
    return await deps.store.huntGroups.get(deps.customerId, deps.groupKey, members);
  } catch (err) {
    // Without the memory the group still rings, from the top of the list.
    deps.logger.warn({ err: (err as Error).message, huntGroup: deps.groupKey }, 'hunt group state unreadable; ringing in listed order');
    return { lastActivity: {} };
  }
}

/** The member's phones with a channel slot taken, or why it is skipped. */
async function reach(deps: RingDeps, name: string, member: ForwardTarget): Promise<Reachable | MemberOutcome> {
  const r = await resolveForwardTarget(deps, member);
  if ('result' in r) return r.result === 'busy' ? 'busy' : 'unreachable';
  return { name, member, targets: r.targets, ...(r.lease ? { lease: r.lease } : {}), ...(r.accountId ? { accountId: r.accountId } : {}), ...(r.auth ? { auth: r.auth } : {}) };
}

async function releaseAll(members: readonly Reachable[], except?: Reachable): Promise<void> {
  await Promise.all(members.filter((m) => m !== except).map((m) => m.lease?.release()));
}

/**
 * Rings every phone of `members` at once for `timeoutMs`. On an answer the other members'
 * slots are freed, the answering member is remembered, and the leg goes to the caller.
 */
async function ringMembers(
  deps: HuntGroupDeps,
  members: Reachable[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ answered: HuntResult } | { outcomes: Map<string, MemberOutcome> }> {
  const targets = members.flatMap((m) => m.targets);
  const owner = members.flatMap((m) => m.targets.map(() => m));
  const auth = members.find((m) => m.auth)?.auth;
  let leg: ConnectedLeg;
  try {
    leg = await ringLeg(deps, targets, { timeoutMs, signal, ...(auth ? { auth } : {}) });
  } catch (err) {
    await releaseAll(members);
    if (!(err instanceof ForkError)) throw err;
    // Per-leg statuses only when every leg ended by itself; a timeout or hangup cancelled them all.
    const statuses = err.statuses;
    return { outcomes: new Map(members.map((m) => [m.name, statuses.length ? memberOutcomeOf(statuses.filter((_, i) => owner[i] === m)) : 'noanswer'])) };
  }
  const contact = leg.answeredBy?.contact;
  const winner = members.find((m) => m.targets.some((t) => t.uri === contact)) ?? members[0];
  await releaseAll(members, winner);
  if (winner.lease) leg.lease = winner.lease;
  leg.answeredBy = answeredBy(winner, contact);
  trackActivity(deps, leg, winner.name);
  const at = Date.now();
  await deps.store.huntGroups.answered(deps.customerId, deps.groupKey, winner.name, at).catch((err: unknown) => {
    deps.logger.warn({ err: (err as Error).message, huntGroup: deps.groupKey }, 'hunt group state not saved');
  });
  deps.logger.info({ member: winner.name, contact }, 'hunt group answered');
  return { answered: (await deps.connect(leg)) ? 'answered' : 'noanswer' };
}

function answeredBy(winner: Reachable, contact: string | undefined): AnsweredBy {
  const who: AnsweredBy = 'account' in winner.member ? { account: winner.member.account } : { number: winner.member.number };
  if (winner.accountId) who.accountId = winner.accountId;
  if (contact) who.contact = contact;
  return who;
}

/**
 * When the member's call ends, longest-idle counts from then. Every way a call ends (either side
 * hangs up, a transfer takes the member's leg away) destroys the member's endpoint; a BYE from
 * the member ends the dialog first.
 */
function trackActivity(deps: HuntGroupDeps, leg: ConnectedLeg, member: string): void {
  let done = false;
  const record = (): void => {
    if (done) return;
    done = true;
    deps.store.huntGroups.ended(deps.customerId, member, Date.now()).catch((err: unknown) => {
      deps.logger.warn({ err: (err as Error).message, member }, 'hunt group member activity not saved');
    });
  };
  void leg.ended.then(record);
  leg.endpoint.once('destroy', record);
}
