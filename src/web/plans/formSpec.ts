import type { z } from 'zod';
import { accountRefSchema, clockTimeSchema, nodeIdSchema, promptListSchema, voicemailBoxRefSchema } from '../../plans/fields.js';
import { planNodeSchema } from '../../plans/schema.js';

/**
 * How the editor edits a node, derived from the runtime's own zod schemas (src/plans/nodes/*.ts
 * through planNodeSchema), so a field added to a node type gets its form control without editor
 * changes. Pure data: the React side (SchemaField.tsx) renders it, tests check it.
 *
 * Some fields are recognised by identity rather than shape: node ids (`nodeIdSchema`, a
 * transition: a select of the plan's steps), prompt lists (`promptListSchema`: the prompt
 * picker with playback), and references to the customer's own records (`accountRefSchema`,
 * `voicemailBoxRefSchema`: a select of its accounts or boxes, see recordRefs.ts). Anything the walk cannot describe becomes 'json', which the node
 * form edits as raw JSON; test/web/planForms.test.ts lists where that may happen (nowhere today).
 */

export type FieldSpec =
  | { kind: 'target' }
  | { kind: 'prompts' }
  /** One of the customer's records, by the value the plan stores (an account's username; a box's id or name). */
  | { kind: 'ref'; to: RecordRefKind }
  /** format: 'time' (HH:MM), 'date', 'datetime', 'email' (zod's string formats). */
  | { kind: 'text'; format?: string }
  | { kind: 'number'; min?: number; max?: number; int: boolean }
  | { kind: 'boolean' }
  /** `z.literal(true)`: on (true) or absent. */
  | { kind: 'flag' }
  | { kind: 'enum'; values: string[] }
  /** A literal such as the node's `type`: shown, not edited. */
  | { kind: 'const'; value: unknown }
  | { kind: 'object'; fields: FieldEntry[] }
  | { kind: 'array'; item: FieldSpec; min?: number; max?: number }
  | { kind: 'tuple'; items: FieldSpec[] }
  /** Keys from an enum (a row per key, absent = not set) or free keys (`keyCandidates` suggest the next one). */
  | { kind: 'record'; keys: { fixed: string[] } | { candidates: string[]; free: boolean }; value: FieldSpec }
  | { kind: 'json'; reason: string };

export type RecordRefKind = 'account' | 'voicemailBox';

export interface FieldEntry {
  name: string;
  spec: FieldSpec;
  /** Absent is valid (optional, or the schema supplies a default). */
  optional: boolean;
  /** The schema's default (input side), shown as a placeholder or used when the field is added. */
  default?: unknown;
  description?: string;
}

type AnySchema = z.ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  element?: AnySchema;
  items?: AnySchema[];
  keyType?: AnySchema;
  valueType?: AnySchema;
  shape?: Record<string, AnySchema>;
  entries?: Record<string, string | number>;
  values?: unknown[];
  defaultValue?: unknown;
  format?: string;
  checks?: Array<{ _zod: { def: { check: string; minimum?: number; maximum?: number; format?: string } } }>;
}

// Zod 4's documented introspection surface for library authors: `_zod.def`.
const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Options, defaults and descriptions peeled off a schema: what is left is the value's own kind. */
function unwrap(schema: AnySchema): { core: AnySchema; optional: boolean; default?: unknown; description?: string } {
  let s = schema;
  let optional = false;
  let dflt: unknown;
  let description = schema.description;
  for (;;) {
    const d = defOf(s);
    if (d.type === 'optional' && d.innerType) {
      optional = true;
      s = d.innerType;
    } else if ((d.type === 'default' || d.type === 'prefault') && d.innerType) {
      optional = true;
      dflt = typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue;
      s = d.innerType;
    } else if (d.type === 'pipe' && d.in) {
      // A transform (forward targets normalise numbers): people write the input side.
      s = d.in;
    } else {
      break;
    }
    description ??= s.description;
  }
  return { core: s, optional, ...(dflt === undefined ? {} : { default: dflt }), ...(description === undefined ? {} : { description }) };
}

function lengthBounds(d: Def): { min?: number; max?: number } {
  const out: { min?: number; max?: number } = {};
  for (const c of d.checks ?? []) {
    if (c._zod.def.check === 'min_length' && c._zod.def.minimum !== undefined) out.min = c._zod.def.minimum;
    if (c._zod.def.check === 'max_length' && c._zod.def.maximum !== undefined) out.max = c._zod.def.maximum;
  }
  return out;
}

/** Keys a person may type, offered in order when an entry is added to a free-key record. */
const KEY_CANDIDATES = [...'1234567890*#abcdefghijklmnopqrstuvwxyz'];

/** The form control for one schema (already unwrapped of optional/default by the caller, or not). */
export function fieldSpec(schema: AnySchema): FieldSpec {
  const { core } = unwrap(schema);
  if (core === nodeIdSchema) return { kind: 'target' };
  if (core === promptListSchema) return { kind: 'prompts' };
  if (core === accountRefSchema) return { kind: 'ref', to: 'account' };
  if (core === voicemailBoxRefSchema) return { kind: 'ref', to: 'voicemailBox' };
  if (core === clockTimeSchema) return { kind: 'text', format: 'time' };
  const d = defOf(core);
  switch (d.type) {
    case 'string': {
      // 'regex' says nothing a person can use; the schema's own message does when it fails.
      const format = (core as unknown as { format?: string | null }).format ?? undefined;
      return format && format !== 'regex' ? { kind: 'text', format } : { kind: 'text' };
    }
    case 'number': {
      const n = core as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean };
      return {
        kind: 'number',
        int: n.isInt,
        ...(n.minValue !== null && Number.isFinite(n.minValue) ? { min: n.minValue } : {}),
        ...(n.maxValue !== null && Number.isFinite(n.maxValue) ? { max: n.maxValue } : {}),
      };
    }
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'enum', values: Object.values(d.entries ?? {}).map(String) };
    case 'literal':
      return d.values?.length === 1 && d.values[0] === true ? { kind: 'flag' } : { kind: 'const', value: d.values?.[0] };
    case 'object':
      return { kind: 'object', fields: Object.entries(d.shape ?? {}).map(([name, s]) => fieldEntry(name, s)) };
    case 'array':
      return d.element ? { kind: 'array', item: fieldSpec(d.element), ...lengthBounds(d) } : { kind: 'json', reason: 'array without element' };
    case 'tuple':
      return { kind: 'tuple', items: (d.items ?? []).map(fieldSpec) };
    case 'record': {
      if (!d.keyType || !d.valueType) return { kind: 'json', reason: 'record without key or value type' };
      const key = fieldSpec(d.keyType);
      const value = fieldSpec(d.valueType);
      if (key.kind === 'enum') return { kind: 'record', keys: { fixed: key.values }, value };
      if (key.kind === 'text') {
        const keyType = d.keyType;
        // Free: the key schema takes words, not only the single characters offered (then a text input, not a select).
        return { kind: 'record', keys: { candidates: KEY_CANDIDATES.filter((k) => keyType.safeParse(k).success), free: keyType.safeParse('word-key').success }, value };
      }
      return { kind: 'json', reason: `record keyed by ${key.kind}` };
    }
    default:
      return { kind: 'json', reason: `zod type "${d.type}"` };
  }
}

function fieldEntry(name: string, schema: AnySchema): FieldEntry {
  const u = unwrap(schema);
  return {
    name,
    spec: fieldSpec(schema),
    optional: u.optional,
    ...('default' in u ? { default: u.default } : {}),
    ...(u.description === undefined ? {} : { description: u.description }),
  };
}

/** The form of one node type, from its option in planNodeSchema; undefined for an unknown type. */
export function nodeFormSpec(type: unknown): Extract<FieldSpec, { kind: 'object' }> | undefined {
  const option = planNodeSchema.options.find((o) => o.shape.type.value === type);
  if (!option) return undefined;
  const spec = fieldSpec(option);
  return spec.kind === 'object' ? spec : undefined;
}

/** Every place in a spec whose control matches, as dotted paths ('[]' for array items, '{}' for record values). */
export function specPaths(spec: FieldSpec, match: (s: FieldSpec) => boolean, path = ''): string[] {
  const at = (p: string): string => (path === '' ? p : `${path}.${p}`);
  if (match(spec)) return [path];
  switch (spec.kind) {
    case 'object':
      return spec.fields.flatMap((f) => specPaths(f.spec, match, at(f.name)));
    case 'array':
      return specPaths(spec.item, match, at('[]'));
    case 'tuple':
      return spec.items.flatMap((s, i) => specPaths(s, match, at(String(i))));
    case 'record':
      return specPaths(spec.value, match, at('{}'));
    default:
      return [];
  }
}

/** Every place in a spec that falls back to raw JSON. */
export function jsonFallbacks(spec: FieldSpec, path = ''): string[] {
  return specPaths(spec, (s) => s.kind === 'json', path);
}

/** A fresh value for a new list item, record entry or added field: the default, else empty. */
export function blankValue(spec: FieldSpec, dflt?: unknown): unknown {
  if (dflt !== undefined) return structuredClone(dflt);
  switch (spec.kind) {
    case 'prompts':
    case 'array':
      return [];
    case 'number':
      return spec.min ?? 0;
    case 'boolean':
      return false;
    case 'flag':
      return true;
    case 'enum':
      return spec.values[0];
    case 'const':
      return spec.value;
    case 'object':
      return Object.fromEntries(spec.fields.filter((f) => !f.optional).map((f) => [f.name, blankValue(f.spec, f.default)]));
    case 'tuple':
      return spec.items.map((s) => blankValue(s));
    case 'record':
      return {};
    default:
      return '';
  }
}

/**
 * The dotted paths (relative to the node) at which the form shows messages, for this value:
 * each field, list item and record entry. Issues at other paths are shown at the top of the form.
 */
export function formPaths(spec: FieldSpec, value: unknown, path = ''): string[] {
  const at = (p: string): string => (path === '' ? p : `${path}.${p}`);
  const here = path === '' ? [] : [path];
  switch (spec.kind) {
    case 'object': {
      const obj = isRecord(value) ? value : {};
      return [...here, ...spec.fields.flatMap((f) => formPaths(f.spec, obj[f.name], at(f.name)))];
    }
    case 'array':
      return [...here, ...(Array.isArray(value) ? value.flatMap((v, i) => formPaths(spec.item, v, at(String(i)))) : [])];
    case 'tuple':
      return [...here, ...spec.items.flatMap((s, i) => formPaths(s, Array.isArray(value) ? value[i] : undefined, at(String(i))))];
    case 'record': {
      const obj = isRecord(value) ? value : {};
      const keys = 'fixed' in spec.keys ? spec.keys.fixed.filter((k) => k in obj) : Object.keys(obj);
      return [...here, ...keys.flatMap((k) => formPaths(spec.value, obj[k], at(k)))];
    }
    case 'prompts':
      // A prompt list is one input: messages about its items are shown at it.
      return here;
    default:
      return here;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Issues of one node by their path relative to it ('options.1', 'weekly.mon.0'), '' for the node
 * itself. Paths the form has no place for (an unknown field, an item of a prompt list) are moved
 * to the nearest path it has, keeping the rest of the path in the message.
 */
export function nodeIssuesByPath(issues: ReadonlyArray<{ path: string; message: string }>, nodeId: string, shown: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const prefix = `nodes.${nodeId}`;
  for (const i of issues) {
    if (i.path !== prefix && !i.path.startsWith(`${prefix}.`)) continue;
    const rel = i.path === prefix ? '' : i.path.slice(prefix.length + 1);
    let at = rel;
    while (at !== '' && !shown.has(at)) at = at.includes('.') ? at.slice(0, at.lastIndexOf('.')) : '';
    const rest = at === rel ? '' : rel.slice(at === '' ? 0 : at.length + 1);
    out.set(at, [...(out.get(at) ?? []), rest ? `${rest}: ${i.message}` : i.message]);
  }
  return out;
}
