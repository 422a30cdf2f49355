import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, loadPlanFile } from '../../src/plans/loadPlanFile.js';
import { parsePlan, planJsonSchema } from '../../src/plans/schema.js';

const fixture = (name: string): string => join(import.meta.dirname, 'fixtures', name);

const hangup = { type: 'hangup' };

describe('plan files with mistakes', () => {
  it('a menu option pointing at a missing node names the file, line and option', async () => {
    const r = await loadPlanFile(fixture('bad-menu.yaml'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map(formatIssue)).toEqual([`${fixture('bad-menu.yaml')}:9 nodes.menu.options.3: unknown node "sales" (nodes: menu, bye)`]);
  });

  it('every field error comes back at once, each with its path and line', async () => {
    const r = await loadPlanFile(fixture('bad-fields.yaml'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const got = r.errors.map((e) => [e.line, e.path, e.message]);
    expect(got).toEqual([
      [6, 'nodes.welcome.prompts', 'at least one prompt'],
      [10, 'nodes.fwd.to.number', '"not a number" is not a dialable number (use E.164 like +31201234567 or Dutch notation like 020 123 4567)'],
      [9, 'nodes.fwd.ringTimeoutMs', 'required (number)'],
      [17, 'nodes.hours.weekly.mon.0', 'opening time 17:30 is not before closing time 09:00'],
      [18, 'nodes.hours.weekly.funday', 'unknown field "funday"'],
      [23, 'nodes.bye.cause', 'Invalid option: expected one of "normal"|"busy"|"unavailable"'],
    ]);
    expect(r.errors.every((e) => e.file === fixture('bad-fields.yaml'))).toBe(true);
  });

  it('broken YAML reports the line', async () => {
    const r = await loadPlanFile(fixture('bad-yaml.yaml'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0].line).toBeGreaterThanOrEqual(6);
  });

  it('announcements that loop forever are refused; a node nobody reaches is a warning', async () => {
    const r = await loadPlanFile(fixture('loop.yaml'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'nodes.a: node "a" reaches no hangup or forward: the call would never end',
      'nodes.b: node "b" reaches no hangup or forward: the call would never end',
    ]);
    expect(r.warnings.map((w) => [w.path, w.line])).toEqual([['nodes.spare', 13]]);
  });

  it('a missing file is an error, not an exception', async () => {
    const r = await loadPlanFile(fixture('nope.yaml'));
    expect(r.ok).toBe(false);
  });
});

describe('cross-references', () => {
  it('an unknown start is an error', () => {
    const r = parsePlan({ name: 'x', start: 'welcome', nodes: { bye: hangup } }, 'x.json');
    expect(r).toMatchObject({ ok: false, errors: [{ file: 'x.json', path: 'start', message: 'unknown node "welcome" (nodes: bye)' }] });
  });

  it('forward branches to unknown nodes are each reported', () => {
    const r = parsePlan({
      name: 'x',
      start: 'f',
      nodes: { f: { type: 'forward', to: { account: '201' }, ringTimeoutMs: 20000, onBusy: 'busy', onNoAnswer: 'bye', onFailure: 'oops' }, bye: hangup },
    });
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['nodes.f.onBusy', 'nodes.f.onFailure']);
  });

  it('schedules that route to each other without waiting are refused', () => {
    const weekly = { mon: [['09:00', '17:00']] };
    const r = parsePlan({
      name: 'x',
      start: 's1',
      nodes: {
        s1: { type: 'schedule', weekly, open: 's2', closed: 'bye' },
        s2: { type: 'schedule', weekly, open: 'bye', closed: 's1' },
        bye: hangup,
      },
    });
    expect(r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['nodes.s1: schedules loop without waiting: s1 -> s2 -> s1']);
  });

  it('a forward target needs exactly one of account and number', () => {
    const r = parsePlan({
      name: 'x',
      start: 'f',
      nodes: { f: { type: 'forward', to: { account: '201', number: '0201234567' }, ringTimeoutMs: 20000, onBusy: 'bye', onNoAnswer: 'bye', onFailure: 'bye' }, bye: hangup },
    });
    expect(r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['nodes.f.to: give exactly one of "account" (a username) or "number"']);
  });

  it('an unknown node type lists the allowed types', () => {
    const r = parsePlan({ name: 'x', start: 'v', nodes: { v: { type: 'conference' } } });
    expect(r.ok ? '' : r.errors[0].message).toMatch(/announcement.*schedule.*menu.*forward.*hangup/);
  });

  it('a valid plan gets its defaults and numbers in E.164', () => {
    const r = parsePlan({
      name: 'x',
      start: 'm',
      nodes: {
        m: { type: 'menu', prompts: ['nl/menu-keuze'], options: { 1: 'f' }, timeoutMs: 4000, invalid: ['nl/ongeldige-keuze'], fallback: 'bye' },
        f: { type: 'forward', to: { number: '0031 20 123 4567' }, ringTimeoutMs: 20000, onBusy: 'bye', onNoAnswer: 'bye', onFailure: 'bye' },
        bye: hangup,
      },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan.nodes.m).toMatchObject({ retries: 2 });
    expect(r.plan.nodes.f).toMatchObject({ to: { number: '+31201234567' } });
    expect(r.plan.nodes.bye).toEqual({ type: 'hangup', cause: 'normal' });
  });
});

describe('the demo plan and the JSON Schema', () => {
  it('dialplans/demo-0909.yaml is valid without warnings', async () => {
    const r = await loadPlanFile(join(import.meta.dirname, '../../dialplans/demo-0909.yaml'));
    expect(r.ok ? r.warnings : r.errors).toEqual([]);
  });

  it('the JSON Schema describes every node type and the required fields', () => {
    const schema = JSON.stringify(planJsonSchema());
    for (const t of ['announcement', 'schedule', 'menu', 'forward', 'hangup']) expect(schema).toContain(`"const":"${t}"`);
    const root = planJsonSchema() as { required: string[] };
    expect(root.required).toEqual(['name', 'start', 'nodes']);
  });

  it('the JSON Schema describes the document people write: defaulted fields are optional', () => {
    const schema = planJsonSchema() as { properties: { nodes: { additionalProperties: { oneOf?: unknown[]; anyOf?: unknown[] } } } };
    const variants = (schema.properties.nodes.additionalProperties.oneOf ?? schema.properties.nodes.additionalProperties.anyOf) as Array<{
      properties: { type: { const: string } };
      required: string[];
    }>;
    const menu = variants.find((v) => v.properties.type.const === 'menu');
    expect(menu?.required).toContain('timeoutMs');
    expect(menu?.required).not.toContain('retries');
  });
});
