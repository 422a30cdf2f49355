/*
 * Fax in call plans: the fax node's schema, a plan's onFaxTone, the graph rules (a fax node
 * without `next` ends the call; onFaxTone must name a fax node and makes it reachable), and the
 * machine's behaviour through the simulator (a fax number; a voice plan that hears a fax machine).
 */
import { describe, expect, it } from 'vitest';
import { tariffAnnouncementPrompts } from '../../src/numbers/tariffAnnouncement.js';
import { parsePlan, type Plan } from '../../src/plans/schema.js';
import { simulatePlan } from '../../src/plans/simulate.js';

const compile = { tariffPrompts: tariffAnnouncementPrompts };
const at = new Date('2026-03-04T10:00:00+01:00');

const FAX_NUMBER = { name: 'fax', start: 'fax', nodes: { fax: { type: 'fax', email: ['fax@helpdesk.example'] } } };
const VOICE = {
  name: 'voice',
  onFaxTone: 'fax',
  start: 'hallo',
  nodes: {
    hallo: { type: 'announcement', prompts: ['nl/welkom'], next: 'ophangen' },
    fax: { type: 'fax', email: ['fax@helpdesk.example', 'archief@helpdesk.example'], next: 'ophangen' },
    ophangen: { type: 'hangup' },
  },
};

function parsed(doc: unknown): Plan {
  const r = parsePlan(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.plan;
}

describe('fax in call plans', () => {
  it.each<[string, unknown, Array<{ path: string; message: RegExp }>]>([
    ['a fax number (a plan that starts with a fax node) is valid', FAX_NUMBER, []],
    ['a voice plan with onFaxTone is valid', VOICE, []],
    ['a fax node needs an address', { ...FAX_NUMBER, nodes: { fax: { type: 'fax', email: [] } } }, [{ path: 'nodes.fax.email', message: /at least one address/ }]],
    ['a fax node checks its addresses', { ...FAX_NUMBER, nodes: { fax: { type: 'fax', email: ['fax at example'] } } }, [{ path: 'nodes.fax.email.0', message: /e-mail address/ }]],
    ['onFaxTone must name a node', { ...VOICE, onFaxTone: 'faks' }, [{ path: 'onFaxTone', message: /unknown node "faks"/ }]],
    ['onFaxTone must name a fax node', { ...VOICE, onFaxTone: 'hallo' }, [{ path: 'onFaxTone', message: /"hallo" is not a fax node/ }]],
    ['a fax node\'s next must exist', { ...FAX_NUMBER, nodes: { fax: { type: 'fax', email: ['a@b.nl'], next: 'weg' } } }, [{ path: 'nodes.fax.next', message: /unknown node "weg"/ }]],
  ])('%s', (_name, doc, errors) => {
    const r = parsePlan(doc);
    if (errors.length === 0) {
      expect(r.ok, JSON.stringify(r)).toBe(true);
      // The fax node reached only through onFaxTone is not an "unreachable node" warning.
      expect(r.warnings).toEqual([]);
      return;
    }
    expect(r.ok).toBe(false);
    const got = r.ok ? [] : r.errors;
    for (const e of errors) expect(got.some((g) => g.path === e.path && e.message.test(g.message)), JSON.stringify(got)).toBe(true);
  });

  it('a fax number receives, mails and hangs up', async () => {
    const r = await simulatePlan(parsed(FAX_NUMBER), { at }, compile);
    expect(r.steps).toEqual([
      { kind: 'fax', email: ['fax@helpdesk.example'], outcome: { success: true, pages: 1, reason: 'OK' } },
      { kind: 'hangup', cause: 'normal' },
    ]);
    expect(r.path.map((p) => [p.node, p.outcome])).toEqual([['fax', 'fax received (1 page)']]);
    expect(r.end).toBe('hangup');
  });

  it('a failed fax is recorded with its reason in the path', async () => {
    const r = await simulatePlan(parsed(FAX_NUMBER), { at, fax: 'failed' }, compile);
    expect(r.path.map((p) => p.outcome)).toEqual(['fax failed: simulated failure']);
  });

  it('a voice plan takes a fax machine to its fax node, and a person to the announcement', async () => {
    const fax = await simulatePlan(parsed(VOICE), { at, faxTone: true }, compile);
    expect(fax.path.map((p) => [p.node, p.outcome])).toEqual([
      ['hallo', 'fax tone heard'],
      ['fax', 'fax received (1 page)'],
      ['ophangen', 'hung up (normal)'],
    ]);
    const person = await simulatePlan(parsed(VOICE), { at }, compile);
    expect(person.path.map((p) => [p.node, p.outcome])).toEqual([
      ['hallo', 'played'],
      ['ophangen', 'hung up (normal)'],
    ]);
    expect(person.steps.some((s) => s.kind === 'fax')).toBe(false);
  });
});
