import { describe, expect, it } from 'vitest';
import { startOfDay } from '../../src/inventory/calendar.js';
import type { TariffChange } from '../../src/inventory/InventoryTypes.js';
import { addWorkingDays, effectiveTariff, isWorkingDay, tariffEffectiveOn } from '../../src/inventory/tariffChanges.js';

describe('the day a tariff change takes effect', () => {
  it.each([
    // Koningsdag 2026 is Monday 27 April.
    ['2026-04-22', 5, '2026-04-30', 'Koningsdag'],
    // Pasen 2026: Tweede paasdag Monday 6 April is a holiday; Goede Vrijdag (3 April) is a working day.
    ['2026-04-02', 5, '2026-04-10', 'Pasen'],
    // Kerst 2026: Friday 25 December; Tweede kerstdag falls on a Saturday.
    ['2026-12-23', 5, '2026-12-31', 'Kerst'],
    // Kerst and Nieuwjaar: Friday 1 January 2027.
    ['2026-12-28', 5, '2027-01-05', 'Nieuwjaar'],
    // Koningsdag 2025 moved to Saturday 26 April (27 April was a Sunday): no working day lost.
    ['2025-04-24', 2, '2025-04-28', 'Koningsdag on a Saturday'],
    // Hemelvaartsdag 2026: Thursday 14 May.
    ['2026-05-13', 1, '2026-05-15', 'Hemelvaart'],
    // Pinksteren 2026: Tweede pinksterdag Monday 25 May.
    ['2026-05-22', 1, '2026-05-26', 'Pinksteren'],
    ['2026-11-20', 5, '2026-11-27', 'an ordinary week'],
    ['2026-11-20', 0, '2026-11-20', 'no delay'],
  ])('requested %s + %i working days: %s (%s)', (from, days, effective) => {
    expect(addWorkingDays(from, days)).toBe(effective);
  });

  it.each([
    ['2026-04-27', false],
    ['2026-04-03', true],
    ['2026-05-05', true],
    ['2026-12-26', false],
    ['2026-11-23', true],
    ['2026-11-22', false],
  ])('%s is a working day: %s', (date, working) => {
    expect(isWorkingDay(date)).toBe(working);
  });

  it('counts from the Amsterdam date of the request, not the UTC one', () => {
    // 22:30 UTC on 21 April is 00:30 on 22 April in Amsterdam (CEST).
    expect(tariffEffectiveOn(Date.parse('2026-04-21T22:30:00Z'), 5)).toBe('2026-04-30');
    expect(tariffEffectiveOn(Date.parse('2026-04-21T21:30:00Z'), 5)).toBe('2026-04-29');
  });
});

describe('the tariff callers hear', () => {
  const old = { perMinuteCents: 80, maxPerCallCents: 800 };
  const change = (over: Partial<TariffChange>): TariffChange => ({
    id: 'x',
    version: 1,
    customerId: 'c',
    numberId: 'n',
    e164: '+319001234567',
    tariff: { perMinuteCents: 100, maxPerCallCents: 1000 },
    requestedAt: Date.parse('2026-04-22T08:00:00Z'),
    requestedBy: 'beheerder:t',
    effectiveOn: '2026-04-30',
    effectiveAt: startOfDay('2026-04-30'),
    status: 'pending',
    ...over,
  });

  it('switches at 00:00 Amsterdam on the effective day', () => {
    const midnight = Date.parse('2026-04-29T22:00:00Z');
    expect(startOfDay('2026-04-30')).toBe(midnight);
    expect(effectiveTariff(old, [change({})], midnight - 1)).toEqual(old);
    expect(effectiveTariff(old, [change({})], midnight)).toEqual({ perMinuteCents: 100, maxPerCallCents: 1000 });
  });

  it('ignores withdrawn and already applied changes, and takes the latest due one', () => {
    const at = Date.parse('2026-06-01T10:00:00Z');
    expect(effectiveTariff(old, [change({ status: 'withdrawn' })], at)).toEqual(old);
    expect(effectiveTariff(old, [change({ status: 'applied' })], at)).toEqual(old);
    const later = change({ id: 'y', tariff: { perCallCents: 50 }, effectiveOn: '2026-05-06', effectiveAt: startOfDay('2026-05-06') });
    expect(effectiveTariff(old, [later, change({})], at)).toEqual({ perCallCents: 50 });
  });
});
