import { describe, expect, it } from 'vitest';
import type { Tariff } from '../../src/numbers/NumberTypes.js';
import { callEnded, compilePlan, startCall, type CallActor } from '../../src/plans/machine.js';
import { parsePlan, type Plan } from '../../src/plans/schema.js';
import { instantOf } from '../../src/plans/wallClock.js';
import { ControlledChannel, type PendingCall } from './controlledChannel.js';

function plan(): Plan {
  const r = parsePlan({
    name: 'machine-test',
    start: 'hours',
    nodes: {
      hours: { type: 'schedule', weekly: { mon: [['09:00', '17:30']], fri: [['09:00', '17:30']] }, open: 'welcome', closed: 'closedMsg' },
      welcome: { type: 'announcement', prompts: ['nl/welkom'], next: 'menu' },
      menu: {
        type: 'menu',
        prompts: ['nl/menu-keuze'],
        options: { '1': 'sales', '2': 'external' },
        timeoutMs: 5000,
        retries: 1,
        invalid: ['nl/ongeldige-keuze'],
        noInput: ['nl/geen-keuze'],
        fallback: 'bye',
      },
      sales: { type: 'forward', to: { account: '201' }, ringTimeoutMs: 20000, onBusy: 'busyMsg', onNoAnswer: 'noAnswerMsg', onFailure: 'failedMsg' },
      external: { type: 'forward', to: { number: '020 123 4567' }, ringTimeoutMs: 15000, onBusy: 'busyMsg', onNoAnswer: 'noAnswerMsg', onFailure: 'failedMsg' },
      busyMsg: { type: 'announcement', prompts: ['nl/bezet'], next: 'bye' },
      noAnswerMsg: { type: 'announcement', prompts: ['nl/niet-bereikbaar'], next: 'bye' },
      failedMsg: { type: 'announcement', prompts: ['nl/niet-in-dienst'], next: 'bye' },
      closedMsg: { type: 'announcement', prompts: ['nl/gesloten'], next: 'bye' },
      bye: { type: 'hangup', cause: 'normal' },
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.plan;
}

const tariffPrompts = (t: Tariff): string[] => ['nl/tarief-intro', `nl/getallen/${t.perMinuteCents}`, 'nl/cent', 'nl/per-minuut'];
const machine = compilePlan(plan(), { tariffPrompts });
const MONDAY_10 = instantOf('2026-07-06T10:00', 'Europe/Amsterdam');
const CHRISTMAS_10 = instantOf('2026-12-25T10:00', 'Europe/Amsterdam');

/** Answers every call at once: play/hangup resolve, collect takes the next key, forward the given result. */
function scripted(keys: Array<string | undefined>, forward: string | Error = 'answered') {
  const queue = [...keys];
  return (call: PendingCall): unknown => {
    if (call.method === 'collect') return queue.shift();
    if (call.method === 'forward') return forward;
    return undefined;
  };
}

function nodes(out: { path: Array<{ node: string; outcome?: string }> }): string[] {
  return out.path.map((p) => `${p.node}:${p.outcome}`);
}

describe('a call through the plan machine', () => {
  it('a caller at Christmas hears the closed announcement and is hung up on', async () => {
    const ch = new ControlledChannel(CHRISTMAS_10, scripted([]));
    const out = await callEnded(startCall(machine, ch));
    expect(nodes(out)).toEqual(['hours:closed', 'closedMsg:played', 'bye:hung up (normal)']);
    expect(ch.heard()).toEqual(['nl/gesloten']);
    expect(ch.calls.at(-1)).toMatchObject({ method: 'hangup', cause: 'normal' });
    expect(out.end).toBe('hangup');
  });

  it('a caller who presses 1 during office hours is forwarded to account 201 and leaves the plan when answered', async () => {
    const ch = new ControlledChannel(MONDAY_10, scripted(['1']));
    const actor = startCall(machine, ch);
    const out = await callEnded(actor);
    expect(nodes(out)).toEqual(['hours:open', 'welcome:played', 'menu:key 1', 'sales:answered']);
    expect(ch.calls.find((c) => c.method === 'forward')).toMatchObject({ target: { account: '201' }, ringTimeoutMs: 20000 });
    expect(out.end).toBe('answered');
    expect(actor.getSnapshot().value).toBe('connected');
  });

  it('an external forward rings the number in E.164', async () => {
    const ch = new ControlledChannel(MONDAY_10, scripted(['2']));
    await callEnded(startCall(machine, ch));
    expect(ch.calls.find((c) => c.method === 'forward')?.target).toEqual({ number: '+31201234567' });
  });

  it('an invalid key plays the invalid prompt and asks again; no key after the last retry goes to the fallback', async () => {
    const ch = new ControlledChannel(MONDAY_10, scripted(['7', undefined]));
    const out = await callEnded(startCall(machine, ch));
    expect(ch.heard()).toEqual(['nl/welkom', 'nl/menu-keuze', 'nl/ongeldige-keuze', 'nl/menu-keuze']);
    expect(nodes(out)).toEqual(['hours:open', 'welcome:played', 'menu:fallback (no input)', 'bye:hung up (normal)']);
  });

  it('no key plays the no-input prompt and asks again; a valid key then counts', async () => {
    const ch = new ControlledChannel(MONDAY_10, scripted([undefined, '1']));
    const out = await callEnded(startCall(machine, ch));
    expect(ch.heard()).toEqual(['nl/welkom', 'nl/menu-keuze', 'nl/geen-keuze', 'nl/menu-keuze']);
    expect(nodes(out)).toContain('menu:key 1');
  });

  it('two invalid keys with one retry go to the fallback', async () => {
    const ch = new ControlledChannel(MONDAY_10, scripted(['9', '#']));
    const out = await callEnded(startCall(machine, ch));
    expect(nodes(out)).toContain('menu:fallback (invalid key)');
    expect(ch.calls.filter((c) => c.method === 'collect')).toHaveLength(2);
  });

  it.each([
    ['busy', 'busy', 'busyMsg', 'nl/bezet'],
    ['noanswer', 'noanswer', 'noAnswerMsg', 'nl/niet-bereikbaar'],
    ['failed', 'failed', 'failedMsg', 'nl/niet-in-dienst'],
    ['an unexpected result', 'weird', 'failedMsg', 'nl/niet-in-dienst'],
    ['a rejected forward', new Error('trunk down'), 'failedMsg', 'nl/niet-in-dienst'],
  ] as Array<[string, string | Error, string, string]>)('a forward that ends %s takes its branch', async (_what, result, branch, prompt) => {
    const ch = new ControlledChannel(MONDAY_10, scripted(['1'], result));
    const out = await callEnded(startCall(machine, ch));
    expect(out.path.map((p) => p.node)).toEqual(['hours', 'welcome', 'menu', 'sales', branch, 'bye']);
    expect(ch.heard().at(-1)).toBe(prompt);
    expect(out.end).toBe('hangup');
  });

  it('records when each node was entered, from the channel clock', async () => {
    const ch = new ControlledChannel(MONDAY_10);
    const actor = startCall(machine, ch);
    (await ch.next('play')).resolve(undefined);
    ch.clock = new Date(MONDAY_10.getTime() + 3000);
    await ch.next('collect');
    expect(actor.getSnapshot().context.path.map((p) => [p.node, p.enteredAt])).toEqual([
      ['hours', MONDAY_10.getTime()],
      ['welcome', MONDAY_10.getTime()],
      ['menu', MONDAY_10.getTime() + 3000],
    ]);
    actor.send({ type: 'CALLER_HUNGUP' });
  });
});

describe('the tariff announcement', () => {
  it('plays first, before the plan, and records when it ended (charging starts there)', async () => {
    const ch = new ControlledChannel(MONDAY_10);
    const actor = startCall(machine, ch, { perMinuteCents: 80 });
    const first = await ch.next('play');
    expect(first.prompts).toEqual(['nl/tarief-intro', 'nl/getallen/80', 'nl/cent', 'nl/per-minuut']);
    expect(actor.getSnapshot().context.path).toEqual([]);
    ch.clock = new Date(MONDAY_10.getTime() + 7000);
    first.resolve(undefined);
    const welcome = await ch.next('play');
    expect(welcome.prompts).toEqual(['nl/welkom']);
    const ctx = actor.getSnapshot().context;
    expect(ctx.tariffAnnouncementEndedAt).toBe(MONDAY_10.getTime() + 7000);
    expect(ctx.path[0]).toMatchObject({ node: 'hours', enteredAt: MONDAY_10.getTime() + 7000 });
    actor.send({ type: 'CALLER_HUNGUP' });
    expect((await callEnded(actor)).tariffAnnouncementEndedAt).toBe(MONDAY_10.getTime() + 7000);
  });

  it('is skipped for a number without a tariff', async () => {
    const ch = new ControlledChannel(MONDAY_10);
    const actor = startCall(machine, ch);
    expect((await ch.next('play')).prompts).toEqual(['nl/welkom']);
    expect(actor.getSnapshot().context.tariffAnnouncementEndedAt).toBeUndefined();
    actor.send({ type: 'CALLER_HUNGUP' });
  });
});

describe('the caller hangs up', () => {
  /** Drives a fresh call into a waiting state; returns the actor and the call pending there. */
  const waitingStates: Array<[string, Date, Tariff | undefined, (ch: ControlledChannel) => Promise<PendingCall>]> = [
    ['during the tariff announcement', MONDAY_10, { perMinuteCents: 80 }, (ch) => ch.next('play')],
    ['during an announcement', MONDAY_10, undefined, (ch) => ch.next('play')],
    ['during the closed announcement', CHRISTMAS_10, undefined, (ch) => ch.next('play')],
    ['while the menu waits for a key', MONDAY_10, undefined, async (ch) => {
      (await ch.next('play')).resolve(undefined);
      return ch.next('collect');
    }],
    ['while the menu asks again after an invalid key', MONDAY_10, undefined, async (ch) => {
      (await ch.next('play')).resolve(undefined);
      (await ch.next('collect')).resolve('8');
      return ch.next('collect');
    }],
    ['while a forward rings', MONDAY_10, undefined, async (ch) => {
      (await ch.next('play')).resolve(undefined);
      (await ch.next('collect')).resolve('1');
      return ch.next('forward');
    }],
    ['while we hang up', CHRISTMAS_10, undefined, async (ch) => {
      (await ch.next('play')).resolve(undefined);
      return ch.next('hangup');
    }],
  ];

  it.each(waitingStates)('%s: everything stops at once, no actor left, every signal aborted', async (_what, at, tariff, reach) => {
    const ch = new ControlledChannel(at);
    const actor: CallActor = startCall(machine, ch, tariff);
    const pending = await reach(ch);
    expect(Object.keys(actor.getSnapshot().children)).toHaveLength(1);
    actor.send({ type: 'CALLER_HUNGUP' });
    const snap = actor.getSnapshot();
    expect(snap.status).toBe('done');
    expect(snap.value).toBe('hungUp');
    expect(snap.children).toEqual({});
    if (pending.method !== 'hangup') expect(pending.signal?.aborted).toBe(true);
    for (const c of ch.calls) if (c.signal) expect(c.signal.aborted || c.settled).toBe(true);
    const out = await callEnded(actor);
    expect(out.end).toBe('caller-hungup');
    if (out.path.length) expect(out.path.at(-1)?.outcome).toBe('caller hung up');
    // A channel settling late (media stopping) changes nothing any more.
    const callsBefore = ch.calls.length;
    pending.resolve(pending.method === 'forward' ? 'answered' : undefined);
    await new Promise((r) => setImmediate(r));
    expect(ch.calls).toHaveLength(callsBefore);
    expect(actor.getSnapshot().value).toBe('hungUp');
  });
});

describe('media trouble does not strand the caller', () => {
  it('a prompt that fails to play is skipped and the plan carries on', async () => {
    const ch = new ControlledChannel(MONDAY_10, (call) => (call.method === 'play' ? new Error('no such prompt') : call.method === 'collect' ? '1' : 'answered'));
    const out = await callEnded(startCall(machine, ch));
    expect(nodes(out).slice(0, 3)).toEqual(['hours:open', 'welcome:playback failed', 'menu:key 1']);
  });

  it('a menu whose collect fails goes to its fallback', async () => {
    const ch = new ControlledChannel(MONDAY_10, (call) => (call.method === 'collect' ? new Error('endpoint gone') : undefined));
    const out = await callEnded(startCall(machine, ch));
    expect(nodes(out)).toEqual(['hours:open', 'welcome:played', 'menu:fallback (collect failed)', 'bye:hung up (normal)']);
  });
});
