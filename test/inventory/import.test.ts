import { describe, expect, it } from 'vitest';
import { expandEntry, parseInventoryCsv } from '../../src/inventory/import.js';
import { InventoryService } from '../../src/inventory/InventoryService.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';

const HEADER = 'number,per_minute_cents,per_call_cents,start_fee_cents,max_per_call_cents';

describe('CSV import of number blocks', () => {
  it('reads single numbers, ranges and tariffs, skipping comments and blank lines', () => {
    const parsed = parseInventoryCsv([HEADER, '# blok van KPN', '0858 001 000-0858 001 004', '', '0909-1234567,80,,10,800', '"0800 1234"'].join('\n'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.numbers.map((x) => x.e164)).toEqual(['+31858001000', '+31858001001', '+31858001002', '+31858001003', '+31858001004', '+319091234567', '+318001234']);
    expect(parsed.numbers[5]).toMatchObject({ type: '0909', tariff: { perMinuteCents: 80, startFeeCents: 10, maxPerCallCents: 800 }, line: 5 });
  });

  it('names the line of every error and imports nothing then', () => {
    const parsed = parseInventoryCsv(
      [
        HEADER,
        '0858 001 000-0858 001 002',
        '0612345678',
        '0909 123 4567',
        '0800 1234,80',
        '0858 001 002',
        '0858 001 010-0858 001 005',
        '0909 765 4321,8O',
      ].join('\n'),
    );
    expect(parsed.errors).toEqual([
      { line: 3, message: 'mobile numbers (06) cannot be service numbers' },
      { line: 4, message: '0909 123 4567: a 0909 number needs a caller tariff (per minute and/or per call)' },
      { line: 5, message: '0800 1234: a caller tariff is only allowed on 0900, 0906, 0909 and 18xy numbers' },
      { line: 6, message: '+31858001002 is also on line 2' },
      { line: 7, message: 'range "0858 001 010-0858 001 005": the end is lower than the start' },
      { line: 8, message: 'per_minute_cents: must be a whole number of euro cents' },
    ]);
  });

  it('refuses a file without a proper header', () => {
    expect(parseInventoryCsv('').errors[0].message).toContain('the file is empty');
    expect(parseInventoryCsv('nummer,tarief\n0800 1234').errors.map((e) => e.line)).toEqual([1, 1]);
  });

  it.each([
    ['0800-1234', ['+318001234']],
    ['0800-1234-0800-1236', ['+318001234', '+318001235', '+318001236']],
    ['+31858001000-+31858001001', ['+31858001000', '+31858001001']],
  ])('reads %s', (entry, e164s) => {
    const out = expandEntry(entry);
    expect('error' in out ? out.error : out.map((x) => x.e164)).toEqual(e164s);
  });

  it('refuses a range mixing two kinds of numbers', () => {
    expect(expandEntry('0800 1234-0858 001 000')).toEqual({ error: expect.stringContaining('same kind of number') });
  });

  it('imports a block of 10,000 numbers in one go, and leaves numbers already in stock alone', async () => {
    const store = new MemoryStore();
    const inventory = new InventoryService({ store, logger: silentLogger() });
    const csv = `${HEADER}\n0858 001 0000-0858 001 9999\n`.replace(/0858 001 0000-0858 001 9999/, '0858 00 0000-0858 00 9999');
    const first = await inventory.importCsv(csv, 'platform');
    expect(first).toEqual({ added: 10_000, alreadyInStock: [], errors: [] });
    const again = await inventory.importCsv(`${HEADER}\n0858 00 9999-0858 01 0000\n`, 'platform');
    expect(again.added).toBe(1);
    expect(again.alreadyInStock).toEqual(['+31858009999']);
    const n = await inventory.getNumber('0858 00 0042');
    expect(n).toMatchObject({ state: 'available', type: '085', history: [{ to: 'available', by: 'platform', reason: 'imported' }] });
    await store.close();
  });
});
