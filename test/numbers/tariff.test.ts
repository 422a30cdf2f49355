import { describe, expect, it } from 'vitest';
import type { NumberType, Tariff } from '../../src/numbers/NumberTypes.js';
import {
  CAP_REQUIRED,
  TARIFF_ONLY_ON_PAID,
  describeTariffDutch,
  describeTariffEnglish,
  dutchAmount,
  englishAmount,
  tariffIssues,
  validateTariff,
} from '../../src/numbers/tariff.js';

const VALID: [NumberType, Tariff][] = [
  ['0900', { perMinuteCents: 15 }],
  ['0900', { perMinuteCents: 80, maxPerCallCents: 800 }],
  ['0900', { perCallCents: 100 }],
  ['0900', { perCallCents: 0 }],
  ['0906', { perMinuteCents: 130 }],
  ['0909', { perMinuteCents: 80, startFeeCents: 10 }],
  ['0909', { perCallCents: 90, startFeeCents: 10, maxPerCallCents: 100 }],
  ['18xy', { perMinuteCents: 50, startFeeCents: 10, maxPerCallCents: 500 }],
  ['18xy', { perCallCents: 45, perMinuteCents: 10 }],
  ['0900', { perMinuteCents: 300, maxPerCallCents: 10_000 }],
];

const INVALID: [NumberType, Tariff | undefined, path: string, message: RegExp][] = [
  ['0800', { perMinuteCents: 0 }, '', /^a caller tariff is only allowed on 0900, 0906, 0909 and 18xy numbers$/],
  ['085', { perCallCents: 50 }, '', /only allowed on 0900, 0906, 0909 and 18xy/],
  ['088', {}, '', /only allowed on 0900/],
  ['geographic', { perMinuteCents: 10 }, '', /only allowed on 0900/],
  ['0900', undefined, '', /a 0900 number needs a caller tariff/],
  ['18xy', undefined, '', /a 18xy number needs a caller tariff/],
  ['0909', {}, '', /needs perMinuteCents or perCallCents/],
  ['0909', { startFeeCents: 10, maxPerCallCents: 100 }, '', /needs perMinuteCents or perCallCents/],
  ['0900', { perMinuteCents: 16 }, 'maxPerCallCents', /^more than 15 ct a minute on 0900\/18xy needs a maximum per call$/],
  ['18xy', { perMinuteCents: 80, startFeeCents: 5 }, 'maxPerCallCents', /needs a maximum per call/],
  ['0909', { perMinuteCents: -1 }, 'perMinuteCents', /whole number of euro cents, 0 or more/],
  ['0909', { perMinuteCents: 12.5 }, 'perMinuteCents', /whole number/],
  ['0906', { perCallCents: Number.NaN }, 'perCallCents', /whole number/],
  ['0909', { perMinuteCents: 10, startFeeCents: -5 }, 'startFeeCents', /whole number/],
  ['0909', { perMinuteCents: 301 }, 'perMinuteCents', /at most 300 cents/],
  ['0909', { perCallCents: 151 }, 'perCallCents', /at most 150 cents/],
  ['0909', { perCallCents: 100, startFeeCents: 101 }, 'startFeeCents', /at most 100 cents/],
  ['0909', { perMinuteCents: 10, maxPerCallCents: 10_001 }, 'maxPerCallCents', /at most 10000 cents/],
  ['0909', { perCallCents: 100, startFeeCents: 20, maxPerCallCents: 110 }, 'maxPerCallCents', /at least the start fee plus the per-call tariff \(120 cents\)/],
];

describe('validateTariff', () => {
  it.each(VALID)('accepts on %s: %j', (type, tariff) => {
    expect(validateTariff(type, tariff)).toEqual([]);
    expect(tariffIssues(type, tariff)).toEqual([]);
  });

  it('accepts no tariff on numbers where the caller pays only the call', () => {
    for (const type of ['0800', '085', '088', 'geographic'] as const) expect(validateTariff(type, undefined)).toEqual([]);
  });

  it.each(INVALID)('refuses on %s: %j (at %j)', (type, tariff, path, message) => {
    const issues = tariffIssues(type, tariff);
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe(path);
    expect(issues[0].message).toMatch(message);
    expect(validateTariff(type, tariff)).toHaveLength(1);
  });

  it('has the 15 ct rule only for 0900 and 18xy, not for 0906 and 0909', () => {
    expect(validateTariff('0906', { perMinuteCents: 100 })).toEqual([]);
    expect(validateTariff('0909', { perMinuteCents: 100 })).toEqual([]);
    expect(validateTariff('0900', { perMinuteCents: 100 })).toEqual([`maxPerCallCents: ${CAP_REQUIRED}`]);
  });

  it('reports every broken amount at once, with its field', () => {
    expect(validateTariff('0909', { perMinuteCents: -1, perCallCents: 1.5 })).toEqual([
      'perMinuteCents: must be a whole number of euro cents, 0 or more',
      'perCallCents: must be a whole number of euro cents, 0 or more',
    ]);
    expect(validateTariff('0800', { perMinuteCents: 1 })).toEqual([TARIFF_ONLY_ON_PAID]);
  });
});

describe('amounts as spoken', () => {
  it.each([
    [0, '0 cent', '0 cents'],
    [1, '1 cent', '1 cent'],
    [80, '80 cent', '80 cents'],
    [100, '1 euro', '1 euro'],
    [105, '1 euro 5', '1 euro 5'],
    [130, '1 euro 30', '1 euro 30'],
    [800, '8 euro', '8 euros'],
    [1250, '12 euro 50', '12 euro 50'],
  ])('%i cents: %s / %s', (cents, nl, en) => {
    expect(dutchAmount(cents)).toBe(nl);
    expect(englishAmount(cents)).toBe(en);
  });
});

describe('the tariff announcement', () => {
  it.each<[Tariff, string, string]>([
    [
      { perMinuteCents: 80, startFeeCents: 10, maxPerCallCents: 800 },
      'Dit gesprek kost 80 cent per minuut, plus 10 cent starttarief, met een maximum van 8 euro per gesprek.',
      'This call costs 80 cents per minute, plus a start fee of 10 cents, with a maximum of 8 euros per call.',
    ],
    [{ perMinuteCents: 15 }, 'Dit gesprek kost 15 cent per minuut.', 'This call costs 15 cents per minute.'],
    [{ perCallCents: 130 }, 'Dit gesprek kost 1 euro 30 per gesprek.', 'This call costs 1 euro 30 per call.'],
    [
      { perCallCents: 50, perMinuteCents: 20, maxPerCallCents: 250 },
      'Dit gesprek kost 50 cent per gesprek plus 20 cent per minuut, met een maximum van 2 euro 50 per gesprek.',
      'This call costs 50 cents per call plus 20 cents per minute, with a maximum of 2 euro 50 per call.',
    ],
    [{ perMinuteCents: 100, startFeeCents: 0 }, 'Dit gesprek kost 1 euro per minuut.', 'This call costs 1 euro per minute.'],
  ])('announces %j', (tariff, nl, en) => {
    expect(describeTariffDutch(tariff)).toBe(nl);
    expect(describeTariffEnglish(tariff)).toBe(en);
  });
});
