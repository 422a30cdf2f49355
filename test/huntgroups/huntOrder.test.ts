/** The hunt group's rules, table by table: who rings first, how long, and what an unanswered hunt means. */
import { describe, expect, it } from 'vitest';
import type { HuntStrategy } from '../../src/plans/nodes/huntgroup.js';
import { huntOrder, huntOutcome, huntRounds, memberOutcomeOf, memberRingTime, ringsAgain, type MemberOutcome } from '../../src/routing/huntOrder.js';
import type { HuntMemory } from '../../src/store/StoreTypes.js';

const A = 'account:201';
const B = 'account:202';
const C = 'number:+31205550100';
const members = [A, B, C];

describe('the order in which a hunt group rings its members', () => {
  const cases: Array<[string, HuntStrategy, HuntMemory, string[]]> = [
    ['simultaneous keeps the listed order', 'simultaneous', { lastAnswered: B, lastActivity: { A: 5 } }, [A, B, C]],
    ['sequential keeps the listed order, whoever answered last', 'sequential', { lastAnswered: B, lastActivity: {} }, [A, B, C]],
    ['round-robin without history starts at the top', 'round-robin', { lastActivity: {} }, [A, B, C]],
    ['round-robin starts after the member who answered last', 'round-robin', { lastAnswered: A, lastActivity: {} }, [B, C, A]],
    ['round-robin wraps around after the last member', 'round-robin', { lastAnswered: C, lastActivity: {} }, [A, B, C]],
    ['round-robin whose last answerer left the group starts at the top', 'round-robin', { lastAnswered: 'account:299', lastActivity: {} }, [A, B, C]],
    ['longest-idle without history keeps the listed order', 'longest-idle', { lastActivity: {} }, [A, B, C]],
    ['longest-idle rings the member idle longest first', 'longest-idle', { lastActivity: { [A]: 300, [B]: 100, [C]: 200 } }, [B, C, A]],
    ['longest-idle rings a member that never had a call before all others', 'longest-idle', { lastActivity: { [A]: 300, [C]: 200 } }, [B, C, A]],
    ['longest-idle keeps the listed order between equal times', 'longest-idle', { lastActivity: { [A]: 100, [B]: 100, [C]: 50 } }, [C, A, B]],
  ];
  it.each(cases)('%s', (_name, strategy, memory, expected) => {
    expect(huntOrder(strategy, members, memory)).toEqual(expected);
  });

  it('does not change the member list it was given', () => {
    const list = [A, B, C];
    huntOrder('longest-idle', list, { lastActivity: { [A]: 9, [B]: 1 } });
    expect(list).toEqual([A, B, C]);
  });
});

describe('how long the next member may ring', () => {
  const cases: Array<[string, number, number, number, number]> = [
    ['its own ring time when the group has time left', 15_000, 100_000, 50_000, 15_000],
    ['what is left of the group when that is less', 15_000, 100_000, 90_000, 10_000],
    ['nothing once the group is out of time', 15_000, 100_000, 100_000, 0],
    ['nothing after the deadline', 15_000, 100_000, 120_000, 0],
  ];
  it.each(cases)('%s', (_name, memberRingMs, deadline, now, expected) => {
    expect(memberRingTime(memberRingMs, deadline, now)).toBe(expected);
  });
});

describe('what an unanswered hunt tells the plan', () => {
  const cases: Array<[string, MemberOutcome[], 'busy' | 'noanswer']> = [
    ['everyone at the channel limit or busy: busy', ['busy', 'busy'], 'busy'],
    ['busy members and members without a phone: busy (whoever is there is on the phone)', ['busy', 'unreachable'], 'busy'],
    ['one member rang without an answer: no answer', ['busy', 'noanswer'], 'noanswer'],
    ['nobody registered: no answer', ['unreachable', 'unreachable'], 'noanswer'],
    ['the group ran out of time before the busy member: no answer', ['noanswer', 'not-tried'], 'noanswer'],
    ['no members tried at all: no answer', ['not-tried'], 'noanswer'],
  ];
  it.each(cases)('%s', (_name, outcomes, expected) => {
    expect(huntOutcome(outcomes)).toBe(expected);
  });
});

describe("a member's outcome from its phones' final responses", () => {
  const cases: Array<[string, number[], 'busy' | 'noanswer']> = [
    ['every phone busy (486)', [486, 486], 'busy'],
    ['600 busy everywhere counts as busy', [600], 'busy'],
    ['one phone busy, one not answering', [486, 480], 'noanswer'],
    ['declined (603) is not busy', [603], 'noanswer'],
    ['no statuses (timed out, all cancelled)', [], 'noanswer'],
  ];
  it.each(cases)('%s', (_name, statuses, expected) => {
    expect(memberOutcomeOf(statuses)).toBe(expected);
  });
});

describe('how many rounds a group rings its members', () => {
  const cases: Array<[string, HuntStrategy, number, number, number, number]> = [
    ['sequential: as many rounds as fit when everyone rings out (60 s over 3 × 15 s: 2)', 'sequential', 3, 15_000, 60_000, 2],
    ['sequential: a round that only just fits counts (60 s over 3 × 20 s: 1)', 'sequential', 3, 20_000, 60_000, 1],
    ['sequential: a started round counts (61 s over 3 × 20 s: 2)', 'sequential', 3, 20_000, 61_000, 2],
    ['round-robin cycles like sequential (10 s over 2 × 2 s: 3)', 'round-robin', 2, 2_000, 10_000, 3],
    ['a group shorter than one round: 1', 'sequential', 3, 20_000, 5_000, 1],
    ['simultaneous rings everyone once for the whole time', 'simultaneous', 3, 2_000, 60_000, 1],
    ['longest-idle is a ranking: once', 'longest-idle', 3, 2_000, 60_000, 1],
    ['no members: 1 (nothing rings)', 'sequential', 0, 2_000, 60_000, 1],
  ];
  it.each(cases)('%s', (_name, strategy, memberCount, memberRingMs, ringTimeoutMs, expected) => {
    expect(huntRounds(strategy, memberCount, memberRingMs, ringTimeoutMs)).toBe(expected);
  });
});

describe('whether the group starts another round', () => {
  const cases: Array<[string, number, number, MemberOutcome[], number, number, boolean]> = [
    ['a member rang unanswered, rounds and time left: again', 1, 3, ['noanswer', 'busy'], 10_000, 5_000, true],
    ['every round used: stop', 3, 3, ['noanswer'], 10_000, 5_000, false],
    ['the group is out of time: stop', 1, 3, ['noanswer'], 10_000, 10_000, false],
    ['everyone busy or without a phone: stop (it would only repeat at once)', 1, 3, ['busy', 'unreachable'], 10_000, 5_000, false],
    ['nobody tried in the last round: stop', 1, 3, [], 10_000, 5_000, false],
  ];
  it.each(cases)('%s', (_name, roundsDone, rounds, lastRound, deadline, now, expected) => {
    expect(ringsAgain(roundsDone, rounds, lastRound, deadline, now)).toBe(expected);
  });
});
