/**
 * The huntgroup node in a plan: what the schema accepts and how it explains mistakes, where the
 * plan machine goes on each outcome, and what the simulator shows an admin.
 */
import { describe, expect, it } from 'vitest';
import { tariffAnnouncementPrompts } from '../../src/numbers/tariffAnnouncement.js';
import { callEnded, compilePlan, startCall } from '../../src/plans/machine.js';
import { parsePlan, type Plan } from '../../src/plans/schema.js';
import { simulatePlan } from '../../src/plans/simulate.js';
import { ControlledChannel, type PendingCall } from '../plans/controlledChannel.js';

const compile = { tariffPrompts: tariffAnnouncementPrompts };
const AT = new Date('2026-07-06T10:00:00+02:00');

function doc(group: Record<string, unknown>): unknown {
  return {
    name: 'belgroep',
    start: 'support',
    nodes: {
      support: { type: 'huntgroup', strategy: 'sequential', members: [{ account: '201' }, { account: '202' }, { number: '020 555 0100' }], onNoAnswer: 'onbereikbaar', onBusy: 'bezet', ...group },
      onbereikbaar: { type: 'announcement', prompts: ['nl/niet-bereikbaar'], next: 'ophangen' },
      bezet: { type: 'announcement', prompts: ['nl/bezet'], next: 'ophangen' },
      ophangen: { type: 'hangup' },
    },
  };
}

function plan(group: Record<string, unknown> = {}): Plan {
  const r = parsePlan(doc(group));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.plan;
}

describe('the huntgroup node schema', () => {
  it('fills in the ring times and keeps numbers in E.164', () => {
    const node = plan().nodes.support;
    expect(node).toEqual({
      type: 'huntgroup',
      strategy: 'sequential',
      members: [{ account: '201' }, { account: '202' }, { number: '+31205550100' }],
      memberRingMs: 20_000,
      ringTimeoutMs: 60_000,
      onNoAnswer: 'onbereikbaar',
      onBusy: 'bezet',
    });
  });

  const invalid: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['an unknown strategy', { strategy: 'random' }, 'nodes.support.strategy', /simultaneous/],
    ['no members', { members: [] }, 'nodes.support.members', /at least one member/],
    ['a member twice', { members: [{ account: '201' }, { account: '201' }] }, 'nodes.support.members.1', /account:201 is already a member/],
    ['a member with both an account and a number', { members: [{ account: '201', number: '0201234567' }] }, 'nodes.support.members.0', /exactly one/],
    ['a ring time under 2 s', { memberRingMs: 500 }, 'nodes.support.memberRingMs', /2000/],
    ['a fallback to a node that does not exist', { onBusy: 'voicemail' }, 'nodes.support.onBusy', /unknown node "voicemail"/],
  ];
  it.each(invalid)('rejects %s, naming the field', (_name, group, path, message) => {
    const r = parsePlan(doc(group));
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors.find((e) => e.path === path)?.message, JSON.stringify(errors)).toMatch(message);
  });

  it('counts as a place where a call can end, like a forward', () => {
    const r = parsePlan({ name: 'loop', start: 'g', nodes: { g: { type: 'huntgroup', strategy: 'simultaneous', members: [{ account: '201' }], onNoAnswer: 'g', onBusy: 'g' } } });
    expect(r.ok).toBe(true);
  });
});

describe('the plan machine at a hunt group', () => {
  const machine = compilePlan(plan({ strategy: 'round-robin', memberRingMs: 15_000, ringTimeoutMs: 45_000 }), compile);
  const run = async (result: string | Error) => {
    const ch = new ControlledChannel(AT, (call: PendingCall) => (call.method === 'huntGroup' ? result : undefined));
    const out = await callEnded(startCall(machine, ch));
    return { ch, out };
  };

  it('hands the channel the group with its node id, strategy and ring times', async () => {
    const { ch } = await run('answered');
    expect(ch.calls[0]).toMatchObject({ method: 'huntGroup', group: { nodeId: 'support', strategy: 'round-robin', memberRingMs: 15_000, ringTimeoutMs: 45_000 } });
    expect(ch.calls[0].group?.members).toHaveLength(3);
  });

  const cases: Array<[string, string | Error, string, string[], string[]]> = [
    ['an answered group ends the plan: the call is connected', 'answered', 'answered', ['support:answered'], []],
    ['all busy takes onBusy', 'busy', 'hangup', ['support:busy', 'bezet:played', 'ophangen:hung up (normal)'], ['nl/bezet']],
    ['no answer takes onNoAnswer', 'noanswer', 'hangup', ['support:noanswer', 'onbereikbaar:played', 'ophangen:hung up (normal)'], ['nl/niet-bereikbaar']],
    ['a group that fails to ring takes onNoAnswer', new Error('store down'), 'hangup', ['support:failed', 'onbereikbaar:played', 'ophangen:hung up (normal)'], ['nl/niet-bereikbaar']],
  ];
  it.each(cases)('%s', async (_name, result, end, path, heard) => {
    const { ch, out } = await run(result);
    expect(out.end).toBe(end);
    expect(out.path.map((p) => `${p.node}:${p.outcome}`)).toEqual(path);
    expect(ch.heard()).toEqual(heard);
  });

  it('a caller who hangs up while the group rings aborts the ringing', async () => {
    const ch = new ControlledChannel(AT);
    const actor = startCall(machine, ch);
    const ringing = await ch.next('huntGroup');
    actor.send({ type: 'CALLER_HUNGUP' });
    const out = await callEnded(actor);
    expect(ringing.signal?.aborted).toBe(true);
    expect(out.end).toBe('caller-hungup');
    expect(out.path.map((p) => `${p.node}:${p.outcome}`)).toEqual(['support:caller hung up']);
  });
});

describe('simulating a hunt group', () => {
  it('sequential: the first member does not answer, the second does', async () => {
    const r = await simulatePlan(plan({ memberRingMs: 15_000 }), { at: AT, noAnswer: ['201'] }, compile);
    expect(r.steps).toEqual([
      { kind: 'ring', target: '201', result: 'noanswer' },
      { kind: 'ring', target: '202', result: 'answered' },
    ]);
    expect(r.end).toBe('answered');
  });

  it('everyone busy: the caller hears the busy announcement', async () => {
    const r = await simulatePlan(plan(), { at: AT, busy: ['201', '202', '+31205550100'] }, compile);
    expect(r.path.map((p) => `${p.node}:${p.outcome}`)).toEqual(['support:busy', 'bezet:played', 'ophangen:hung up (normal)']);
  });

  it('sequential within the overall timeout: the third member is never rung', async () => {
    const r = await simulatePlan(plan({ memberRingMs: 20_000, ringTimeoutMs: 40_000 }), { at: AT, noAnswer: ['201', '202'] }, compile);
    expect(r.steps.filter((s) => s.kind === 'ring').map((s) => (s.kind === 'ring' ? s.target : ''))).toEqual(['201', '202']);
    expect(r.heard).toEqual(['nl/niet-bereikbaar']);
    // The caller waited the whole 40 s before the announcement.
    expect(r.path[1].enteredAt - r.path[0].enteredAt).toBe(40_000);
  });

  it('sequential with time for two rounds: members who rang out are rung again, as in a live call', async () => {
    const r = await simulatePlan(plan({ memberRingMs: 10_000, ringTimeoutMs: 60_000 }), { at: AT, noAnswer: ['201', '202', '+31205550100'] }, compile);
    expect(r.steps.filter((s) => s.kind === 'ring').map((s) => (s.kind === 'ring' ? s.target : ''))).toEqual(['201', '202', '+31205550100', '201', '202', '+31205550100']);
    expect(r.path[1].enteredAt - r.path[0].enteredAt).toBe(60_000);
  });

  it('a round in which everyone is busy is not repeated', async () => {
    const r = await simulatePlan(plan({ memberRingMs: 10_000, ringTimeoutMs: 60_000 }), { at: AT, busy: ['201', '202', '+31205550100'] }, compile);
    expect(r.steps.filter((s) => s.kind === 'ring')).toHaveLength(3);
  });
});
