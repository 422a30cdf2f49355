/**
 * The rules of a hunt group ("belgroep") as pure functions: in which order members ring, how
 * long the next one may ring, and what the caller is told when nobody answered. The runtime
 * (huntGroup.ts) does the ringing; the simulator uses the same rules.
 */
import type { HuntResult } from '../plans/CallChannel.js';
import type { HuntStrategy } from '../plans/nodes/huntgroup.js';
import type { HuntMemory } from '../store/StoreTypes.js';

/**
 * The members in the order they ring. Simultaneous and sequential keep the listed order;
 * round-robin starts after the member who answered last (from the top when that member is not
 * in the list any more); longest-idle puts the member idle longest first, never-called
 * members before everyone, ties in listed order.
 */
export function huntOrder(strategy: HuntStrategy, members: readonly string[], memory: HuntMemory): string[] {
  switch (strategy) {
    case 'simultaneous':
    case 'sequential':
      return [...members];
    case 'round-robin': {
      const last = memory.lastAnswered === undefined ? -1 : members.indexOf(memory.lastAnswered);
      const start = (last + 1) % members.length;
      return [...members.slice(start), ...members.slice(0, start)];
    }
    case 'longest-idle': {
      const idleSince = (m: string): number => memory.lastActivity[m] ?? Number.NEGATIVE_INFINITY;
      // Array.prototype.sort is stable, so equal times keep the listed order.
      return [...members].sort((a, b) => idleSince(a) - idleSince(b));
    }
  }
}

/** How long the next member may ring: its own ring time, cut off by the group's deadline (0: stop). */
export function memberRingTime(memberRingMs: number, deadline: number, now: number): number {
  return Math.max(0, Math.min(memberRingMs, deadline - now));
}

/**
 * How many rounds through its members a group may ring. Sequential and round-robin start again
 * at their first member while the overall ring timeout allows (what a PBX does): as many rounds as
 * fit when every member rings out its full time. Simultaneous rings everyone once for the whole
 * time; longest-idle is a ranking and rings each member once.
 */
export function huntRounds(strategy: HuntStrategy, memberCount: number, memberRingMs: number, ringTimeoutMs: number): number {
  if ((strategy !== 'sequential' && strategy !== 'round-robin') || memberCount === 0 || memberRingMs <= 0) return 1;
  return Math.max(1, Math.ceil(ringTimeoutMs / (memberRingMs * memberCount)));
}

/**
 * Whether the next round starts: rounds and time are left, and some member rang without an
 * answer in the round just done. A round in which every member was busy or unreachable would
 * only be repeated at once, so it ends the hunt.
 */
export function ringsAgain(roundsDone: number, rounds: number, lastRound: readonly MemberOutcome[], deadline: number, now: number): boolean {
  return roundsDone < rounds && now < deadline && lastRound.includes('noanswer');
}

/** How one member's turn ended. */
export type MemberOutcome =
  /** At its channel limit, or every phone answered busy (486/600). */
  | 'busy'
  /** No registered phone (accounts), or no trunk for a number. */
  | 'unreachable'
  /** Rang, nobody picked up (timeout, 480, 408, 487) or the leg failed otherwise. */
  | 'noanswer'
  /** Never rang: the group's time ran out or the caller hung up first. */
  | 'not-tried';

/**
 * What an unanswered hunt tells the plan: 'busy' when nobody rang without being busy and at
 * least one member was busy (the people are there, all on the phone: like RFC 3261 §16.7's
 * "busy wins"); otherwise 'noanswer'.
 */
export function huntOutcome(outcomes: readonly MemberOutcome[]): Exclude<HuntResult, 'answered'> {
  const busy = outcomes.some((o) => o === 'busy');
  const couldHaveAnswered = outcomes.some((o) => o === 'noanswer');
  return busy && !couldHaveAnswered ? 'busy' : 'noanswer';
}

/** A member's outcome from the final statuses of its phones' legs (busy only when every phone said so). */
export function memberOutcomeOf(statuses: readonly number[]): 'busy' | 'noanswer' {
  return statuses.length > 0 && statuses.every((s) => s === 486 || s === 600) ? 'busy' : 'noanswer';
}
