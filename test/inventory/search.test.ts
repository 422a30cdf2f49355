import { describe, expect, it } from 'vitest';
import type { InventoryNumber } from '../../src/inventory/InventoryTypes.js';
import { longestRun, matchesSearch, searchCandidates, searchNumbers, wildcardPattern, type NumberSearch } from '../../src/inventory/search.js';
import type { NumberType, Tariff } from '../../src/numbers/NumberTypes.js';

function n(e164: string, type: NumberType, tariff?: Tariff, state: InventoryNumber['state'] = 'available'): InventoryNumber {
  return { id: e164, version: 1, type, state, origin: 'stock', ...(tariff ? { tariff } : {}), history: [], createdAt: 0 };
}

const STOCK = [
  n('+318001000', '0800'),
  n('+318001234', '0800'),
  n('+318005550000', '0800'),
  n('+318007777123', '0800'),
  n('+319001234567', '0900', { perMinuteCents: 80, maxPerCallCents: 800 }),
  n('+319091110000', '0909', { perMinuteCents: 80 }),
  n('+319091234000', '0909', { perCallCents: 50 }),
  n('+319061234000', '0906', { perMinuteCents: 100 }),
  n('+31858001000', '085'),
  n('+31858001999', '085', undefined, 'reserved'),
  n('+31201234567', 'geographic'),
];

const ids = (q: NumberSearch): string[] => STOCK.filter((x) => matchesSearch(x, q)).map((x) => x.id);

describe('searching the inventory', () => {
  it.each<[string, NumberSearch, string[]]>([
    ['by type', { type: '0909' }, ['+319091110000', '+319091234000']],
    ['ends in 000', { endsWith: '000' }, ['+318001000', '+318005550000', '+319091110000', '+319091234000', '+319061234000', '+31858001000']],
    ['ends in 000, 0800 only', { type: '0800', endsWith: '000' }, ['+318001000', '+318005550000']],
    ['contains 1234', { contains: '1234' }, ['+318001234', '+319001234567', '+319091234000', '+319061234000', '+31201234567']],
    ['four equal digits in a row', { repeated: 4 }, ['+318005550000', '+318007777123', '+319091110000']],
    ['wildcard 0800-*-000', { wildcard: '0800-*-000' }, ['+318001000', '+318005550000']],
    ['wildcard with ? for one digit', { wildcard: '0909 ??? 4000' }, ['+319091234000']],
    ['caller tariff 80 ct per minute', { perMinuteCents: 80 }, ['+319001234567', '+319091110000']],
    ['caller tariff 50 ct per call, 0909', { type: '0909', perCallCents: 50 }, ['+319091234000']],
    ['reserved numbers are not offered', { type: '085' }, ['+31858001000']],
    ['the platform may ask for reserved ones', { state: 'reserved' }, ['+31858001999']],
  ])('%s', (_name, q, expected) => {
    expect(ids(q)).toEqual(expected);
  });

  it('a wildcard with letters matches nothing rather than everything', () => {
    expect(wildcardPattern('0800-abc')).toBeUndefined();
    expect(ids({ wildcard: '0800-abc' })).toEqual([]);
  });

  it.each([
    ['0858001000', 3],
    ['0800', 2],
    ['1234', 1],
    ['08007777123', 4],
  ])('longest run in %s is %i', (digits, run) => {
    expect(longestRun(digits)).toBe(run);
  });

  it('pages through matches in number order', () => {
    const q: NumberSearch = { type: '0800' };
    const first = searchNumbers(STOCK, q, 1, 3);
    const second = searchNumbers(STOCK, q, 2, 3);
    expect(first.total).toBe(4);
    expect(first.items.map((x) => x.id)).toEqual(['+318001000', '+318001234', '+318005550000']);
    expect(second.items.map((x) => x.id)).toEqual(['+318007777123']);
  });
});

describe('searching through the index: the pattern on the ids, only the page read', () => {
  const byId = new Map(STOCK.map((x) => [x.id, x]));
  /** Candidate ids as a state index would give them (unordered), and a reader that records what it read. */
  function source(state: InventoryNumber['state'] = 'available') {
    const read: string[] = [];
    const ids = STOCK.filter((x) => x.state === state).map((x) => x.id).reverse();
    const reader = async (some: string[]) => {
      read.push(...some);
      return some.map((id) => byId.get(id));
    };
    return { ids, read, reader };
  }

  it.each<[string, NumberSearch, number, number]>([
    ['ends in 000', { endsWith: '000' }, 1, 2],
    ['ends in 000, page 2', { endsWith: '000' }, 2, 2],
    ['a wildcard', { wildcard: '0800-*' }, 1, 10],
    ['repeated digits', { repeated: 3 }, 1, 25],
    ['a caller tariff', { perMinuteCents: 80 }, 1, 25],
  ])('%s: the same page as a search over every record', async (_label, q, page, pageSize) => {
    const { ids, read, reader } = source();
    const found = await searchCandidates(ids, q, page, pageSize, reader);
    const expected = searchNumbers(STOCK, q, page, pageSize);
    expect(found.items.map((x) => x.id)).toEqual(expected.items.map((x) => x.id));
    expect(found.total).toBe(expected.total);
    // Without a tariff filter only the page is read; with one, only the pattern's matches.
    if (q.perMinuteCents === undefined) expect(read.sort()).toEqual(expected.items.map((x) => x.id).sort());
    else expect(read.length).toBe(STOCK.filter((x) => x.state === 'available').length);
  });

  it('falls back to reading the matches when an index entry no longer fits its record', async () => {
    const { read, reader } = source();
    // +31858001999 is reserved, but a stale 'available' entry still names it.
    const found = await searchCandidates(['+31858001000', '+31858001999'], { type: '085' }, 1, 25, reader);
    expect(found.items.map((x) => x.id)).toEqual(['+31858001000']);
    expect(found.total).toBe(1);
    expect(read).toEqual(['+31858001000', '+31858001999', '+31858001000', '+31858001999']);
  });
});
