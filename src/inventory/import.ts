/**
 * Bulk import of number blocks from CSV (pure parsing; test/inventory/import.test.ts). One row per
 * single number or range, a header row first:
 *
 *   number,per_minute_cents,per_call_cents,start_fee_cents,max_per_call_cents
 *   0858 001 000-0858 001 999
 *   0909 123 4567,80,,10,800
 *
 * Blank lines and lines starting with '#' are skipped. A range is two numbers of the same type
 * and length joined by '-'; its ends are included. The tariff columns are required on 0900,
 * 0906, 0909 and 18xy numbers (stock 090x numbers come with a registered tariff) and refused on
 * the others (src/numbers/tariff.ts). Any error rejects the whole file; every error names its line.
 */
import { z } from 'zod';
import type { NumberType, Tariff } from '../numbers/NumberTypes.js';
import { parseServiceNumber } from '../numbers/normalize.js';
import { validateTariff } from '../numbers/tariff.js';

export const IMPORT_COLUMNS = ['number', 'per_minute_cents', 'per_call_cents', 'start_fee_cents', 'max_per_call_cents'] as const;

/** Longest range one row may hold: a typo in a range end should not create millions of numbers. */
export const MAX_RANGE = 100_000;

const cents = z
  .string()
  .regex(/^\d{1,6}$/, 'must be a whole number of euro cents')
  .transform(Number)
  .optional();

const Row = z.strictObject({
  number: z.string().min(1, 'a number or range is required').max(100),
  per_minute_cents: cents,
  per_call_cents: cents,
  start_fee_cents: cents,
  max_per_call_cents: cents,
});

export interface ImportedNumber {
  e164: string;
  type: NumberType;
  tariff?: Tariff;
  line: number;
}

export interface ImportError {
  line: number;
  message: string;
}

export interface ParsedImport {
  numbers: ImportedNumber[];
  errors: ImportError[];
}

/** One field list of a CSV line; double quotes around a field are allowed (no commas inside). */
function fields(line: string): string[] {
  return line.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1').trim());
}

type Parsed = { e164: string; type: NumberType };

/** A single number, or the numbers of a range, or why not. */
export function expandEntry(entry: string): Parsed[] | { error: string } {
  const single = parseServiceNumber(entry);
  if (!('error' in single)) return [single];
  // '0858 001 000-0858 001 999': try each '-' as the range separator (numbers may contain '-' too).
  for (let i = entry.indexOf('-'); i > 0; i = entry.indexOf('-', i + 1)) {
    const from = parseServiceNumber(entry.slice(0, i));
    const to = parseServiceNumber(entry.slice(i + 1));
    if ('error' in from || 'error' in to) continue;
    if (from.type !== to.type || from.e164.length !== to.e164.length) {
      return { error: `range "${entry}": both ends must be the same kind of number (${from.type} vs ${to.type})` };
    }
    const a = BigInt(from.e164.slice(1));
    const b = BigInt(to.e164.slice(1));
    if (b < a) return { error: `range "${entry}": the end is lower than the start` };
    if (b - a + 1n > BigInt(MAX_RANGE)) return { error: `range "${entry}" holds ${b - a + 1n} numbers; at most ${MAX_RANGE} per row` };
    const out: Parsed[] = [];
    for (let n = a; n <= b; n++) out.push({ e164: `+${n}`, type: from.type });
    return out;
  }
  return { error: single.error };
}

function tariffOf(row: z.output<typeof Row>): Tariff | undefined {
  const t: Tariff = {};
  if (row.per_minute_cents !== undefined) t.perMinuteCents = row.per_minute_cents;
  if (row.per_call_cents !== undefined) t.perCallCents = row.per_call_cents;
  if (row.start_fee_cents !== undefined) t.startFeeCents = row.start_fee_cents;
  if (row.max_per_call_cents !== undefined) t.maxPerCallCents = row.max_per_call_cents;
  return Object.keys(t).length === 0 ? undefined : t;
}

export function parseInventoryCsv(text: string): ParsedImport {
  const numbers: ImportedNumber[] = [];
  const errors: ImportError[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  let headerBroken = false;
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    // Rows cannot be read against a wrong header: report the header alone.
    if (trimmed === '' || trimmed.startsWith('#') || headerBroken) return;
    const cells = fields(trimmed);
    if (header === undefined) {
      header = cells.map((c) => c.toLowerCase());
      const unknown = header.filter((h) => !(IMPORT_COLUMNS as readonly string[]).includes(h));
      if (!header.includes('number')) errors.push({ line, message: `the header must name a "number" column (columns: ${IMPORT_COLUMNS.join(', ')})` });
      if (unknown.length > 0) errors.push({ line, message: `unknown column(s) ${unknown.map((u) => `"${u}"`).join(', ')}; allowed: ${IMPORT_COLUMNS.join(', ')}` });
      headerBroken = errors.length > 0;
      return;
    }
    if (cells.length > header.length) {
      errors.push({ line, message: `${cells.length} fields, the header names ${header.length}` });
      return;
    }
    const record = Object.fromEntries(header.map((h, i) => [h, cells[i] === '' ? undefined : cells[i]]));
    const row = Row.safeParse(record);
    if (!row.success) {
      for (const issue of row.error.issues) errors.push({ line, message: `${issue.path.join('.') || 'row'}: ${issue.message}` });
      return;
    }
    const expanded = expandEntry(row.data.number);
    if ('error' in expanded) {
      errors.push({ line, message: expanded.error });
      return;
    }
    const tariff = tariffOf(row.data);
    const tariffProblems = validateTariff(expanded[0].type, tariff);
    if (tariffProblems.length > 0) {
      errors.push({ line, message: `${row.data.number}: ${tariffProblems.join('; ')}` });
      return;
    }
    for (const n of expanded) {
      const earlier = seen.get(n.e164);
      if (earlier !== undefined) {
        errors.push({ line, message: `${n.e164} is also on line ${earlier}` });
        return;
      }
      seen.set(n.e164, line);
      numbers.push({ ...n, ...(tariff === undefined ? {} : { tariff }), line });
    }
  });
  if (header === undefined) errors.push({ line: 1, message: `the file is empty; expected a header (${IMPORT_COLUMNS.join(',')}) and rows` });
  return { numbers, errors };
}
