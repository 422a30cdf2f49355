import { describe, expect, it } from 'vitest';
import { callEnded, compilePlan, startCall } from '../../src/plans/machine.js';
import { parsePlan, type Plan } from '../../src/plans/schema.js';
import { formatSimulation, simulatePlan } from '../../src/plans/simulate.js';
import { ControlledChannel, type PendingCall } from '../plans/controlledChannel.js';

const AT = new Date('2026-07-06T10:00:00+02:00');
const options = { tariffPrompts: () => [] };

function parsed(doc: unknown): Plan {
  const r = parsePlan(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.plan;
}

const endsInVoicemail = {
  name: 'na sluitingstijd',
  start: 'closed',
  nodes: {
    closed: { type: 'announcement', prompts: ['nl/gesloten'], next: 'vm' },
    vm: { type: 'voicemail', box: 'Receptie' },
  },
};

const thenGoodbye = {
  name: 'voicemail dan groet',
  start: 'vm',
  nodes: {
    vm: { type: 'voicemail', box: 'Receptie', next: 'bye' },
    bye: { type: 'announcement', prompts: ['nl/tot-ziens'], next: 'end' },
    end: { type: 'hangup' },
  },
};

function answer(result: unknown) {
  return (call: PendingCall): unknown => (call.method === 'voicemail' ? result : undefined);
}

describe('the voicemail node', () => {
  it('is a valid end of a plan without next, and names its box', () => {
    expect(parsePlan(endsInVoicemail).ok).toBe(true);
    expect(parsePlan(thenGoodbye).ok).toBe(true);
  });

  it.each([
    [{ type: 'voicemail' }, 'nodes.vm.box'],
    [{ type: 'voicemail', box: '' }, 'nodes.vm.box'],
    [{ type: 'voicemail', box: 'x', next: 'nowhere' }, 'nodes.vm.next'],
    [{ type: 'voicemail', box: 'x', greeting: 'nl/welkom' }, 'nodes.vm.greeting'],
  ])('rejects %j at %s', (node, path) => {
    const r = parsePlan({ name: 'p', start: 'vm', nodes: { vm: node } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path)).toContain(path);
  });

  it('records into the box, then hangs up when the node has no next', async () => {
    const ch = new ControlledChannel(AT, answer('recorded'));
    const out = await callEnded(startCall(compilePlan(parsed(endsInVoicemail), options), ch));
    expect(ch.calls.map((c) => c.method)).toEqual(['play', 'voicemail', 'hangup']);
    expect(ch.calls[1]!.box).toBe('Receptie');
    expect(out.end).toBe('hangup');
    expect(out.path.map((p) => `${p.node}:${p.outcome}`)).toEqual(['closed:played', 'vm:message recorded']);
  });

  it('goes on to next after the message, also when there was nothing to keep or the box is gone', async () => {
    for (const result of ['recorded', 'empty', 'no-box']) {
      const ch = new ControlledChannel(AT, answer(result));
      const out = await callEnded(startCall(compilePlan(parsed(thenGoodbye), options), ch));
      expect(ch.heard()).toEqual(['nl/tot-ziens']);
      expect(out.path.map((p) => `${p.node}:${p.outcome}`)).toEqual([`vm:message ${result}`, 'bye:played', 'end:hung up (normal)']);
    }
  });

  it('a failing recording does not strand the caller: the plan goes on', async () => {
    const ch = new ControlledChannel(AT, (call) => (call.method === 'voicemail' ? new Error('disk full') : undefined));
    const out = await callEnded(startCall(compilePlan(parsed(thenGoodbye), options), ch));
    expect(out.path[0]).toMatchObject({ node: 'vm', outcome: 'voicemail failed' });
    expect(out.end).toBe('hangup');
  });

  it('a caller who hangs up during the message aborts the channel call', async () => {
    const ch = new ControlledChannel(AT);
    const actor = startCall(compilePlan(parsed(thenGoodbye), options), ch);
    const vm = await ch.next('voicemail');
    actor.send({ type: 'CALLER_HUNGUP' });
    const out = await callEnded(actor);
    expect(vm.signal?.aborted).toBe(true);
    expect(out.end).toBe('caller-hungup');
  });

  it('shows up in the simulation: greeting, beep, the message', async () => {
    const r = await simulatePlan(parsed(endsInVoicemail), { at: AT }, options);
    expect(r.heard).toEqual(['nl/gesloten', 'nl/voicemail-begroeting', 'nl/beep']);
    expect(r.steps).toContainEqual({ kind: 'voicemail', box: 'Receptie' });
    expect(formatSimulation(r).join('\n')).toContain('leaves  a voicemail message in box Receptie');
    expect(r.end).toBe('hangup');
  });
});
