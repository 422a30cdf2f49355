import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { parsePlan, planNodeSchema, type PlanNodeType } from '../../src/plans/schema.js';
import { blankValue, fieldSpec, formPaths, jsonFallbacks, nodeFormSpec, nodeIssuesByPath, specPaths, type FieldEntry, type FieldSpec } from '../../src/web/plans/formSpec.js';
import { accountLabel, refChoices, type RecordRefs } from '../../src/web/plans/recordRefs.js';
import type { Account, VoicemailBox } from '../../src/web/api.js';
import { PLAN_TEMPLATES, planFromTemplate } from '../../src/web/plans/nodeTemplates.js';
import { FIELD_LABELS } from '../../src/web/plans/texts.js';

const NODE_TYPES = planNodeSchema.options.map((o) => o.shape.type.value) as PlanNodeType[];

/**
 * Node types (and their fields) the form may edit as raw JSON, because the schema walk cannot
 * describe them. Empty: every field of every node type has a real control. A new node type or
 * field the walk does not understand fails the first test until it is handled or listed here.
 */
const JSON_FALLBACK_EXCEPTIONS: Partial<Record<PlanNodeType, string[]>> = {};

function field(type: PlanNodeType, name: string): FieldEntry {
  const f = nodeFormSpec(type)?.fields.find((x) => x.name === name);
  if (!f) throw new Error(`${type} has no field ${name}`);
  return f;
}

/** Every field path of a spec without list indices, as FIELD_LABELS keys them. */
function labelPaths(spec: FieldSpec, base = ''): string[] {
  if (spec.kind === 'object') return spec.fields.flatMap((f) => [`${base}${f.name}`, ...labelPaths(f.spec, `${base}${f.name}.`)].filter((p) => p !== 'type'));
  if (spec.kind === 'array') return spec.item.kind === 'object' ? labelPaths(spec.item, base) : [];
  return [];
}

describe('node forms from the plan schema', () => {
  it.each(NODE_TYPES)('a %s step gets a form with a control for every field, without raw JSON', (type) => {
    const spec = nodeFormSpec(type);
    expect(spec?.kind).toBe('object');
    expect(jsonFallbacks(spec as FieldSpec)).toEqual(JSON_FALLBACK_EXCEPTIONS[type] ?? []);
  });

  it.each(NODE_TYPES)('every field of a %s step has a Dutch and an English label', (type) => {
    for (const path of labelPaths(nodeFormSpec(type) as FieldSpec)) {
      expect(FIELD_LABELS.nl[`${type}.${path}`], `nl ${type}.${path}`).toBeTruthy();
      expect(FIELD_LABELS.en[`${type}.${path}`], `en ${type}.${path}`).toBeTruthy();
    }
  });

  it.each<[PlanNodeType, string, FieldSpec['kind']]>([
    ['announcement', 'next', 'target'],
    ['announcement', 'prompts', 'prompts'],
    ['menu', 'prompts', 'prompts'],
    ['menu', 'invalid', 'prompts'],
    ['menu', 'noInput', 'prompts'],
    ['menu', 'fallback', 'target'],
    ['menu', 'timeoutMs', 'number'],
    ['menu', 'options', 'record'],
    ['schedule', 'open', 'target'],
    ['schedule', 'weekly', 'record'],
    ['schedule', 'holidays', 'object'],
    ['schedule', 'exceptions', 'array'],
    ['schedule', 'timezone', 'text'],
    ['forward', 'to', 'object'],
    ['forward', 'onFailure', 'target'],
    ['huntgroup', 'strategy', 'enum'],
    ['huntgroup', 'members', 'array'],
    ['voicemail', 'box', 'ref'],
    ['voicemail', 'next', 'target'],
    ['fax', 'email', 'array'],
    ['hangup', 'cause', 'enum'],
  ])("a %s step's %s is edited as %s", (type, name, kind) => {
    expect(field(type, name).spec.kind).toBe(kind);
  });

  it('takes bounds, defaults and optionality from the schema', () => {
    expect(field('menu', 'timeoutMs')).toEqual({ name: 'timeoutMs', optional: false, spec: { kind: 'number', int: true, min: 1000, max: 60000 } });
    expect(field('menu', 'retries')).toMatchObject({ optional: true, default: 2, spec: { kind: 'number', min: 0, max: 5 } });
    expect(field('menu', 'noInput')).toMatchObject({ optional: true, spec: { kind: 'prompts' } });
    expect(field('voicemail', 'next')).toMatchObject({ optional: true });
    expect(field('hangup', 'cause')).toMatchObject({ optional: true, default: 'normal', spec: { kind: 'enum', values: ['normal', 'busy', 'unavailable'] } });
    expect(field('huntgroup', 'members').spec).toMatchObject({ kind: 'array', min: 1, max: 50 });
    expect(field('fax', 'email').spec).toEqual({ kind: 'array', item: { kind: 'text', format: 'email' }, min: 1, max: 10 });
  });

  it('edits opening hours as a week of days with time ranges, and holidays, exceptions and closures as the schema defines them', () => {
    const time = { kind: 'text', format: 'time' };
    expect(field('schedule', 'weekly').spec).toEqual({
      kind: 'record',
      keys: { fixed: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
      value: { kind: 'array', item: { kind: 'tuple', items: [time, time] } },
    });
    expect(field('schedule', 'holidays')).toMatchObject({
      optional: true,
      default: { country: 'NL', closed: true, include: [] },
      spec: { kind: 'object', fields: [{ name: 'country' }, { name: 'closed', spec: { kind: 'boolean' } }, { name: 'include', spec: { kind: 'array', item: { kind: 'enum', values: ['goodfriday', 'liberationday'] } } }] },
    });
    const exception = (field('schedule', 'exceptions').spec as Extract<FieldSpec, { kind: 'array' }>).item;
    expect(exception).toMatchObject({
      kind: 'object',
      fields: [
        { name: 'date', optional: false, spec: { kind: 'text', format: 'date' } },
        { name: 'hours', optional: true, spec: { kind: 'array' } },
        { name: 'closed', optional: true, spec: { kind: 'flag' } },
        { name: 'reason', optional: true, spec: { kind: 'text' } },
      ],
    });
    expect(field('schedule', 'closures').spec).toMatchObject({ kind: 'array', item: { kind: 'object', fields: [{ name: 'from', spec: { format: 'datetime' } }, { name: 'to' }, { name: 'reason' }] } });
  });

  it("shows a schema's description as the field's hint, through optional and default wrappers", () => {
    const spec = fieldSpec(z.object({ wait: z.number().int().min(1).describe('seconds to wait').optional(), tries: z.number().default(3).describe('attempts') }));
    expect(spec).toMatchObject({ kind: 'object', fields: [{ name: 'wait', optional: true, description: 'seconds to wait' }, { name: 'tries', default: 3, description: 'attempts' }] });
  });

  it("offers a menu's keys (the key schema's) for new options", () => {
    expect(field('menu', 'options').spec).toEqual({ kind: 'record', keys: { candidates: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'], free: false }, value: { kind: 'target' } });
  });

  it('edits a forward target by its input side (before the number is normalised)', () => {
    expect(field('forward', 'to').spec).toEqual({ kind: 'object', fields: [{ name: 'account', optional: true, spec: { kind: 'ref', to: 'account' } }, { name: 'number', optional: true, spec: { kind: 'text' } }] });
  });

  it.each<[string, z.ZodType, FieldSpec]>([
    ['a union', z.union([z.string(), z.number()]), { kind: 'json', reason: 'zod type "union"' }],
    ['a map', z.map(z.string(), z.string()), { kind: 'json', reason: 'zod type "map"' }],
    ['a record keyed by numbers', z.record(z.number(), z.string()), { kind: 'json', reason: 'record keyed by number' }],
  ])('falls back to JSON for %s, and says so', (_name, schema, expected) => {
    expect(fieldSpec(schema)).toEqual(expected);
    expect(jsonFallbacks({ kind: 'object', fields: [{ name: 'x', optional: false, spec: fieldSpec(schema) }] })).toEqual(['x']);
  });

  it('starts new list items, entries and added fields from the default or empty', () => {
    expect(blankValue((field('schedule', 'exceptions').spec as Extract<FieldSpec, { kind: 'array' }>).item)).toEqual({ date: '' });
    expect(blankValue(field('huntgroup', 'strategy').spec)).toBe('simultaneous');
    expect(blankValue(field('menu', 'retries').spec, 2)).toBe(2);
    expect(blankValue({ kind: 'tuple', items: [{ kind: 'text', format: 'time' }, { kind: 'text', format: 'time' }] })).toEqual(['', '']);
    expect(blankValue(field('schedule', 'holidays').spec, field('schedule', 'holidays').default)).toEqual({ country: 'NL', closed: true, include: [] });
  });
});

describe('issues at the exact nested field', () => {
  const menu = { type: 'menu', prompts: ['nl/menu-keuze'], options: { '1': 'verkoop', '2': 'nergens' }, timeoutMs: 5000, invalid: ['nl/ongeldige-keuze'], fallback: 'ophangen' };
  const spec = nodeFormSpec('menu') as FieldSpec;

  it('lists the paths the form shows: fields, record entries, list items', () => {
    expect(formPaths(spec, menu)).toEqual(['type', 'prompts', 'options', 'options.1', 'options.2', 'timeoutMs', 'retries', 'invalid', 'noInput', 'fallback']);
    const schedule = nodeFormSpec('schedule') as FieldSpec;
    const paths = formPaths(schedule, { type: 'schedule', weekly: { mon: [['09:00', '12:00'], ['13:00', '17:00']] }, open: 'a', closed: 'b' });
    expect(paths).toEqual(expect.arrayContaining(['weekly', 'weekly.mon', 'weekly.mon.0', 'weekly.mon.0.0', 'weekly.mon.1.1', 'holidays.closed', 'exceptions', 'closures']));
    expect(paths).not.toContain('weekly.tue');
  });

  it("files a plan's issues at the control for their path, and the rest at the nearest one", () => {
    const issues = nodeIssuesByPath(
      [
        { path: 'nodes.menu1.options.2', message: 'unknown node "nergens"' },
        { path: 'nodes.menu1.timeoutMs', message: 'too small' },
        { path: 'nodes.menu1.prompts.0', message: 'a prompt id looks like …' },
        { path: 'nodes.menu1.colour', message: 'unknown field "colour"' },
        { path: 'nodes.menu1', message: 'never ends' },
        { path: 'nodes.menu10.next', message: 'another step' },
        { path: 'start', message: 'plan level' },
      ],
      'menu1',
      new Set(formPaths(spec, menu)),
    );
    expect(Object.fromEntries(issues)).toEqual({
      'options.2': ['unknown node "nergens"'],
      timeoutMs: ['too small'],
      prompts: ['0: a prompt id looks like …'],
      '': ['colour: unknown field "colour"', 'never ends'],
    });
  });

  it('puts the real schema messages of a schedule at the time range and the time they are about', () => {
    const doc = {
      name: 'p',
      start: 'kantoor',
      nodes: {
        kantoor: { type: 'schedule', weekly: { mon: [['17:00', '09:00']], tue: [['09:00', '25:00']] }, open: 'ophangen', closed: 'ophangen' },
        ophangen: { type: 'hangup' },
      },
    };
    const r = parsePlan(doc);
    expect(r.ok).toBe(false);
    const schedule = nodeFormSpec('schedule') as FieldSpec;
    const issues = nodeIssuesByPath(r.ok ? [] : r.errors, 'kantoor', new Set(formPaths(schedule, doc.nodes.kantoor)));
    expect([...issues.keys()].sort()).toEqual(['weekly.mon.0', 'weekly.tue.0.1']);
    expect(issues.get('weekly.mon.0')?.[0]).toContain('17:00 is not before closing time 09:00');
  });
});

describe('plan templates', () => {
  it.each(PLAN_TEMPLATES)('a new plan from the %s template is valid as it is', (template) => {
    const r = parsePlan(planFromTemplate(template, 'Nieuw plan'));
    expect(r.ok ? [] : r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('the demo plan\'s steps fill their forms without leftovers', async () => {
    const demo = parse(await readFile(new URL('../../dialplans/demo-0909.yaml', import.meta.url), 'utf8')) as { nodes: Record<string, { type: PlanNodeType }> };
    for (const node of Object.values(demo.nodes)) {
      const spec = nodeFormSpec(node.type) as Extract<FieldSpec, { kind: 'object' }>;
      expect(Object.keys(node).filter((k) => !spec.fields.some((f) => f.name === k))).toEqual([]);
    }
  });
});

/**
 * Fields that name one of the customer's records are selects of those records, recognised by
 * their schema (accountRefSchema, voicemailBoxRefSchema in src/plans/fields.ts). Every other
 * free-text field of every node type is listed here: a new plain string field fails this test
 * until it is either such a reference (use the shared schema) or added here as free text.
 */
const RECORD_REFS = ['forward.to.account', 'huntgroup.members.[].account', 'voicemail.box'];
const FREE_TEXT = [
  'schedule.timezone',
  'schedule.holidays.country',
  'schedule.exceptions.[].reason',
  'schedule.closures.[].reason',
  'forward.to.number',
  'huntgroup.members.[].number',
];

function pathsOfAllNodeTypes(match: (s: FieldSpec) => boolean): string[] {
  return NODE_TYPES.flatMap((type) => specPaths(nodeFormSpec(type) as FieldSpec, match).map((p) => `${type}.${p}`));
}

describe("fields that name the customer's accounts and voicemail boxes", () => {
  it('are recognised by their schema, and every other free-text field is known to be free text', () => {
    expect(pathsOfAllNodeTypes((s) => s.kind === 'ref').sort()).toEqual([...RECORD_REFS].sort());
    expect(pathsOfAllNodeTypes((s) => s.kind === 'text' && s.format === undefined).sort()).toEqual([...FREE_TEXT].sort());
  });

  it('says which records each reference names', () => {
    expect(field('voicemail', 'box').spec).toEqual({ kind: 'ref', to: 'voicemailBox' });
    const member = (field('huntgroup', 'members').spec as Extract<FieldSpec, { kind: 'array' }>).item;
    expect(member).toMatchObject({ kind: 'object', fields: [{ name: 'account', spec: { kind: 'ref', to: 'account' } }, { name: 'number', spec: { kind: 'text' } }] });
    expect(blankValue(member)).toEqual({});
  });

  const account = (username: string, displayName: string): Account =>
    ({ id: `acc-${username}`, customerId: 'c1', username, displayName, channelLimit: 2, createdAt: 0, sip: { domain: 'sip.example.nl', port: 5060 } }) satisfies Account;
  const box = (id: string, name: string): VoicemailBox =>
    ({ id, customerId: 'c1', name, emails: [], ownerAccountIds: [], maxSeconds: 120, silenceSeconds: 5, createdAt: 0, newMessages: 0, oldMessages: 0 }) satisfies VoicemailBox;
  const records: RecordRefs = { account: [account('201', 'Verkoop'), account('202', '')], voicemailBox: [box('vb-1', 'Receptie'), box('vb-2', 'Support')] };

  it.each<[string, Parameters<typeof refChoices>[0], unknown, { values: string[]; labels: string[]; unknown?: string }]>([
    ['accounts by username, labelled with their name', 'account', '201', { values: ['201', '202'], labels: ['201 – Verkoop', '202'] }],
    ['an account the customer does not have, kept and flagged', 'account', 'oud', { values: ['201', '202'], labels: ['201 – Verkoop', '202'], unknown: 'oud' }],
    ['nothing chosen yet: nothing flagged', 'account', undefined, { values: ['201', '202'], labels: ['201 – Verkoop', '202'] }],
    ['boxes by id, labelled with their name', 'voicemailBox', 'vb-2', { values: ['vb-1', 'vb-2'], labels: ['Receptie', 'Support'] }],
    ['a box the plan names by name keeps that name', 'voicemailBox', 'Support', { values: ['vb-1', 'Support'], labels: ['Receptie', 'Support'] }],
    ['a box the customer does not have, kept and flagged', 'voicemailBox', 'Vakantie', { values: ['vb-1', 'vb-2'], labels: ['Receptie', 'Support'], unknown: 'Vakantie' }],
  ])('offers %s', (_name, kind, current, expected) => {
    const c = refChoices(kind, records, current);
    expect(c?.options.map((o) => o.value)).toEqual(expected.values);
    expect(c?.options.map((o) => o.label)).toEqual(expected.labels);
    expect(c?.unknown).toBe(expected.unknown);
  });

  it('offers nothing (a text input) while the records are not known, so no value is flagged or lost', () => {
    expect(refChoices('account', {}, 'oud')).toBeUndefined();
    expect(refChoices('voicemailBox', { account: records.account }, 'Receptie')).toBeUndefined();
    expect(refChoices('account', { account: [] }, 'oud')).toEqual({ options: [], unknown: 'oud' });
  });

  it("labels an account by username alone when its name adds nothing", () => {
    expect(accountLabel({ username: '201', displayName: '201' })).toBe('201');
    expect(accountLabel({ username: '201', displayName: ' ' })).toBe('201');
  });
});
