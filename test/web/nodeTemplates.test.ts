import { describe, expect, it } from 'vitest';
import { planNodeSchema } from '../../src/plans/schema.js';
import { NODE_TEMPLATES, NODE_TYPES } from '../../src/web/plans/nodeTemplates.js';

/** Every field a template leaves empty is one the admin has to fill in; the rest must already hold. */
function filled(template: Record<string, unknown>): Record<string, unknown> {
  const fill = (v: unknown): unknown => {
    if (v === '') return 'x';
    if (Array.isArray(v)) return v.length === 0 ? ['nl/welkom'] : v.map(fill);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(template) as Record<string, unknown>;
}

describe('the editor\'s new-step templates', () => {
  it('cover every node type of the plan schema', () => {
    const schemaTypes = planNodeSchema.options.map((o) => o.shape.type.value).sort();
    expect([...NODE_TYPES].sort()).toEqual(schemaTypes);
  });

  it.each(NODE_TYPES)('a new %s step is invalid until its empty fields are filled, then valid', (type) => {
    const template = NODE_TEMPLATES[type];
    const emptyFields = Object.entries(template).filter(([, v]) => v === '' || (Array.isArray(v) && v.length === 0));
    expect(planNodeSchema.safeParse(template).success).toBe(emptyFields.length === 0 && JSON.stringify(template).indexOf('""') < 0);
    const ok = planNodeSchema.safeParse(type === 'fax' ? { ...filled(template), email: ['fax@example.nl'] } : filled(template));
    expect(ok.error?.issues ?? []).toEqual([]);
  });
});
