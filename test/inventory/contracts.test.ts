import { describe, expect, it } from 'vitest';
import { anniversary, periodEnd } from '../../src/inventory/calendar.js';
import { checkNotice, contractStart, earliestEnd, minimumTermEnd, withFirstTraffic } from '../../src/inventory/contracts.js';
import type { Contract } from '../../src/inventory/InventoryTypes.js';

describe('contract dates', () => {
  it.each([
    ['2026-03-10', undefined, '2026-03-10'],
    ['2026-03-10', '2026-03-05', '2026-03-05'],
    ['2026-03-10', '2026-03-12', '2026-03-10'],
  ])('signed %s, first traffic %s: starts %s', (signed, traffic, start) => {
    expect(contractStart(signed, traffic)).toBe(start);
  });

  it.each([
    ['2026-01-15', '2027-01-14'],
    ['2026-01-01', '2026-12-31'],
    ['2025-12-31', '2026-12-30'],
    ['2025-01-31', '2026-01-30'],
    // Leap years: 29 February has no anniversary in 2025, so the term ends on the last day of February.
    ['2024-02-29', '2025-02-28'],
    ['2023-03-01', '2024-02-29'],
    ['2024-03-01', '2025-02-28'],
    ['2027-02-28', '2028-02-27'],
  ])('a 12-month minimum from %s runs to %s', (start, end) => {
    expect(minimumTermEnd(start)).toBe(end);
  });

  it.each([
    ['2026-12-15', '2027-01-14'],
    ['2026-01-31', '2026-02-28'],
    ['2028-01-31', '2028-02-29'],
    ['2028-01-30', '2028-02-29'],
    ['2027-01-29', '2027-02-28'],
    ['2026-03-31', '2026-04-30'],
    ['2026-02-28', '2026-03-27'],
    ['2026-12-31', '2027-01-30'],
  ])("one month's notice from %s runs to %s", (notice, end) => {
    expect(periodEnd(notice, 1)).toBe(end);
  });

  it('an anniversary that does not exist is the first of the next month', () => {
    expect(anniversary('2026-01-31', 1)).toBe('2026-03-01');
    expect(anniversary('2024-02-29', 48)).toBe('2028-02-29');
  });

  it.each([
    // During the minimum term the contract still runs to its end.
    ['2026-06-01', '2027-01-14'],
    // Notice less than a month before the minimum ends: one month from the notice.
    ['2026-12-20', '2027-01-19'],
    // After the minimum: tacitly renewed, ended with one month's notice.
    ['2027-01-10', '2027-02-09'],
    ['2027-05-31', '2027-06-30'],
  ])('notice on %s ends a contract started 2026-01-15 on %s', (notice, end) => {
    expect(earliestEnd('2026-01-15', 12, notice)).toBe(end);
  });
});

describe('giving notice', () => {
  const contract: Pick<Contract, 'status' | 'signedOn' | 'startOn' | 'minimumMonths' | 'endOn'> = {
    status: 'running',
    signedOn: '2026-01-15',
    startOn: '2026-01-15',
    minimumMonths: 12,
  };

  it('computes the end date, and accepts a later one that is asked for', () => {
    expect(checkNotice(contract, '2026-06-01')).toEqual({ ok: true, endOn: '2027-01-14' });
    expect(checkNotice(contract, '2026-06-01', '2027-03-31')).toEqual({ ok: true, endOn: '2027-03-31' });
  });

  it('refuses an end before the minimum term is over, saying why and what the earliest end is', () => {
    const check = checkNotice(contract, '2026-06-01', '2026-12-31');
    expect(check).toEqual({
      ok: false,
      field: 'endOn',
      reason: "the contract can end on 2027-01-14 at the earliest: the 12-month minimum runs to 2027-01-14 and one month's notice from 2026-06-01 runs to 2026-06-30",
    });
  });

  it('refuses an end before one month of notice after the minimum', () => {
    expect(checkNotice(contract, '2027-03-15', '2027-03-31')).toMatchObject({ ok: false, reason: expect.stringContaining('2027-04-14 at the earliest') });
  });

  it.each([
    [{ ...contract, status: 'notice_given' as const, endOn: '2027-01-14' }, '2026-07-01', undefined, 'notice was already given: the contract ends on 2027-01-14'],
    [contract, '2026-01-14', undefined, 'notice (2026-01-14) cannot precede the signature (2026-01-15)'],
    [contract, '2026-02-30', undefined, '"2026-02-30" is not a calendar date (YYYY-MM-DD)'],
    [contract, '2026-06-01', '2027-02-29', '"2027-02-29" is not a calendar date (YYYY-MM-DD)'],
  ])('refuses %#', (c, notice, end, reason) => {
    expect(checkNotice(c, notice, end)).toMatchObject({ ok: false, reason });
  });

  it('first traffic before the signature moves the start, and with it the minimum term and month', () => {
    const c: Contract = {
      id: 'k1',
      version: 1,
      customerId: 'c',
      orderId: 'o',
      e164: '+31858001000',
      numberId: 'n',
      signedOn: '2026-02-02',
      startOn: '2026-02-02',
      minimumMonths: 12,
      month: '2026-02',
      status: 'running',
      createdAt: 0,
    };
    const moved = withFirstTraffic(c, '2026-01-30');
    expect(moved).toMatchObject({ startOn: '2026-01-30', firstTrafficOn: '2026-01-30', month: '2026-01', version: 2 });
    expect(minimumTermEnd(moved.startOn)).toBe('2027-01-29');
    expect(withFirstTraffic(moved, '2026-03-01')).toBe(moved);
  });
});
