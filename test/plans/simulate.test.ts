import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulatePlanFile, validatePlanFile, type SimulateOptions } from '../../src/cli/plan.js';
import { tariffAnnouncementPrompts } from '../../src/numbers/tariffAnnouncement.js';

const DEMO = join(import.meta.dirname, '../../dialplans/demo-0909.yaml');
const compile = { tariffPrompts: tariffAnnouncementPrompts };

async function simulate(opts: Partial<SimulateOptions> & { at: string }): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await simulatePlanFile(DEMO, { dtmf: [], busy: [], unanswered: [], failing: [], ...opts }, compile, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out, err };
}

describe('contactsuite plan simulate on the demo plan', () => {
  it('at Christmas 10:00 the caller hears the closed announcement', async () => {
    const { code, out } = await simulate({ at: '2026-12-25T10:00' });
    expect(code).toBe(0);
    expect(out).toEqual([
      'path (Europe/Amsterdam):',
      '  2026-12-25 10:00:00  openingstijden (schedule) -> closed',
      '  2026-12-25 10:00:00  gesloten (announcement) -> played',
      '  2026-12-25 10:00:02  tot-ziens (announcement) -> played',
      '  2026-12-25 10:00:04  ophangen (hangup) -> hung up (normal)',
      'caller:',
      '  hears   nl/gesloten',
      '  hears   nl/tot-ziens',
      '  hangup  (normal)',
      'end: hangup',
    ]);
  });

  it('on a Monday at 10:00 a caller who presses 2 reaches support (account 202)', async () => {
    const { code, out } = await simulate({ at: '2026-07-06T10:00', dtmf: ['2'] });
    expect(code).toBe(0);
    expect(out.filter((l) => l.includes(' -> ')).map((l) => l.replace(/^ +\S+ \S+ +/, ''))).toEqual([
      'openingstijden (schedule) -> open',
      'welkom (announcement) -> played',
      'keuzemenu (menu) -> key 2',
      'support (announcement) -> played',
      'support-bellen (forward) -> answered',
    ]);
    expect(out.filter((l) => l.startsWith('  hears') || l.startsWith('  presses') || l.startsWith('  rings'))).toEqual([
      '  hears   nl/welkom',
      '  hears   nl/menu-keuze',
      '  presses 2',
      '  hears   nl/doorverbinden',
      '  rings   202: answered',
    ]);
    expect(out.at(-1)).toBe('end: answered');
  });

  it('support busy: the caller hears the busy announcement and goodbye', async () => {
    const { out } = await simulate({ at: '2026-07-06T10:00', dtmf: ['2'], busy: ['202'] });
    expect(out).toContain('  rings   202: busy');
    expect(out.filter((l) => l.startsWith('  hears')).slice(-2)).toEqual(['  hears   nl/bezet', '  hears   nl/tot-ziens']);
  });

  it('with a tariff the announcement comes first and charging starts when it ends', async () => {
    const { out } = await simulate({ at: '2026-07-06T10:00', dtmf: ['1'], tariff: '{"perMinuteCents":80}' });
    expect(out.filter((l) => l.startsWith('  hears')).slice(0, 5)).toEqual([
      '  hears   nl/tarief-intro',
      '  hears   nl/getallen/80',
      '  hears   nl/cent',
      '  hears   nl/per-minuut',
      '  hears   nl/welkom',
    ]);
    // Four prompts of two simulated seconds each.
    expect(out).toContain('tariff announcement ended 2026-07-06 10:00:08: charging starts');
  });

  it('a caller who never presses a key hears the menu three times, then the unreachable message', async () => {
    const { out } = await simulate({ at: '2026-07-06T10:00' });
    expect(out.filter((l) => l.startsWith('  hears'))).toEqual([
      '  hears   nl/welkom',
      '  hears   nl/menu-keuze',
      '  hears   nl/geen-keuze',
      '  hears   nl/menu-keuze',
      '  hears   nl/geen-keuze',
      '  hears   nl/menu-keuze',
      '  hears   nl/niet-bereikbaar',
      '  hears   nl/tot-ziens',
    ]);
  });

  it('a bad --at or --tariff is an error for the person, exit 1', async () => {
    expect((await simulate({ at: 'tomorrow' })).code).toBe(1);
    expect((await simulate({ at: '2026-07-06T10:00', tariff: '{80' })).err[0]).toMatch(/^--tariff: not JSON/);
  });
});

describe('contactsuite plan validate', () => {
  it('prints ok for the demo', async () => {
    const out: string[] = [];
    expect(await validatePlanFile(DEMO, { out: (l) => out.push(l), err: () => undefined })).toBe(0);
    expect(out).toEqual(['ok']);
  });

  it('the real command exits 1 with file:line path: message for a bad file', () => {
    const bad = 'test/plans/fixtures/bad-menu.yaml';
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'plan', 'validate', bad], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`${bad}:9 nodes.menu.options.3: unknown node "sales" (nodes: menu, bye)`);
    expect(r.stdout).toBe('');
  });

  it('the real command simulates the demo at Christmas', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'plan', 'simulate', 'dialplans/demo-0909.yaml', '--at', '2026-12-25T10:00', '--dtmf', '2'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('openingstijden (schedule) -> closed');
    expect(r.stdout).toContain('  hears   nl/gesloten');
    expect(r.stdout).not.toContain('presses');
  });
});
