/**
 * Finding numbers in stock (pure; table tests in test/inventory/search.test.ts): by type, by
 * caller tariff (direct-available 090x numbers carry one), and by pattern on the national
 * notation ('0858001000'): ends in, contains, a run of repeated digits, or a wildcard where
 * separators are ignored, '*' is any digits and '?' one digit ('0800-*-000', '0909 ??? 1111').
 */
import type { NumberType } from '../numbers/NumberTypes.js';
import { nationalNotation } from '../numbers/normalize.js';
import type { InventoryNumber, InventoryState } from './InventoryTypes.js';

export interface NumberSearch {
  type?: NumberType;
  /** Default 'available'. */
  state?: InventoryState;
  /** The national notation ends in these digits. */
  endsWith?: string;
  /** The national notation contains these digits. */
  contains?: string;
  /** At least this many equal digits in a row (3: '…1000', '…777…'). */
  repeated?: number;
  /** '0800-*-000': digits, '*' (any digits) and '?' (one digit); separators ignored. */
  wildcard?: string;
  /** Exact caller tariff fields; a number without a tariff never matches a tariff filter. */
  perMinuteCents?: number;
  perCallCents?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** The wildcard as an anchored regular expression over the digits; undefined when it holds anything else. */
export function wildcardPattern(wildcard: string): RegExp | undefined {
  const compact = wildcard.replace(/[\s.\-/()]/g, '');
  if (!/^[\d*?]+$/.test(compact)) return undefined;
  return new RegExp(`^${compact.replace(/\*+/g, '\\d*').replace(/\?/g, '\\d')}$`);
}

/** The longest run of one digit in `digits`. */
export function longestRun(digits: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < digits.length; i++) {
    run = i > 0 && digits[i] === digits[i - 1] ? run + 1 : 1;
    if (run > best) best = run;
  }
  return best;
}

export function matchesSearch(n: InventoryNumber, q: NumberSearch): boolean {
  if (n.state !== (q.state ?? 'available')) return false;
  if (q.type !== undefined && n.type !== q.type) return false;
  if (!matchesTariff(n, q)) return false;
  return matchesPattern(n.id, q);
}

/** Whether the search asks about the caller tariff (which only the record knows; the rest is in the number itself). */
export function asksTariff(q: NumberSearch): boolean {
  return q.perMinuteCents !== undefined || q.perCallCents !== undefined;
}

function matchesTariff(n: InventoryNumber, q: NumberSearch): boolean {
  if (q.perMinuteCents !== undefined && n.tariff?.perMinuteCents !== q.perMinuteCents) return false;
  if (q.perCallCents !== undefined && n.tariff?.perCallCents !== q.perCallCents) return false;
  return true;
}

/** The pattern filters, on the number alone (its E.164 id): no record needs to be read for them. */
export function matchesPattern(e164: string, q: NumberSearch): boolean {
  const national = nationalNotation(e164);
  if (q.endsWith !== undefined && !national.endsWith(q.endsWith)) return false;
  if (q.contains !== undefined && !national.includes(q.contains)) return false;
  if (q.repeated !== undefined && longestRun(national) < q.repeated) return false;
  if (q.wildcard !== undefined) {
    const re = wildcardPattern(q.wildcard);
    if (!re || !re.test(national)) return false;
  }
  return true;
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One page of a search over candidate ids (from the state/type index): the pattern is checked on
 * the ids, so only the page's records are read, or, when the search asks about the tariff, the
 * records of the ids that match the pattern. `read` fetches records by id.
 */
export async function searchCandidates(
  ids: readonly string[],
  q: NumberSearch,
  page: number,
  pageSize: number,
  read: (ids: string[]) => Promise<(InventoryNumber | undefined)[]>,
): Promise<Page<InventoryNumber>> {
  const hits = ids.filter((id) => matchesPattern(id, q)).sort(byId);
  const pageIds = hits.slice((page - 1) * pageSize, page * pageSize);
  if (!asksTariff(q)) {
    const records = await read(pageIds);
    // An index entry that no longer matches its record (a write between the two reads): read all.
    if (records.every((n) => n !== undefined && matchesSearch(n, q))) return { items: records as InventoryNumber[], total: hits.length, page, pageSize };
  }
  const records: InventoryNumber[] = [];
  for (let i = 0; i < hits.length; i += 5_000) for (const n of await read(hits.slice(i, i + 5_000))) if (n) records.push(n);
  return searchNumbers(records, q, page, pageSize);
}

/** Matching numbers in number order, one page (1-based). */
export function searchNumbers(all: readonly InventoryNumber[], q: NumberSearch, page: number, pageSize: number): Page<InventoryNumber> {
  const hits = all.filter((n) => matchesSearch(n, q)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { items: hits.slice((page - 1) * pageSize, page * pageSize), total: hits.length, page, pageSize };
}
