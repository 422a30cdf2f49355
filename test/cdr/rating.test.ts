import { describe, expect, it } from 'vitest';
import { buildCdr } from '../../src/cdr/CdrRecorder.js';
import type { CdrStart } from '../../src/cdr/CdrTypes.js';
import { aggregateDelta, MonthTotals, monthOf } from '../../src/cdr/MonthlyAggregates.js';
import { GOLDEN_COST_PER_MINUTE_MILLI_CENTS, rateServiceCall } from '../../src/cdr/Outpayment.js';
import { billedSeconds, callerChargeCents, exclVatMilliCents, inclVatCents } from '../../src/cdr/rating.js';
import { DEFAULT_RATES, destinationTypeOf, parseRateFile, rateOutboundCall } from '../../src/cdr/rates.js';
import { outpaymentCsv, outpaymentReport, usageReport } from '../../src/cdr/reports.js';
import type { Tariff } from '../../src/numbers/NumberTypes.js';

const T0 = Date.parse('2026-10-05T10:00:00+02:00');

describe('billable seconds: every started second counts', () => {
  it.each([
    [undefined, 10_000, 0],
    [0, 0, 0],
    [0, 1, 1],
    [0, 999, 1],
    [0, 1000, 1],
    [0, 1001, 2],
    [0, 60_000, 60],
    [5000, 1000, 0],
  ])('from %s to %s ms → %i s', (from, to, seconds) => {
    expect(billedSeconds(from, to)).toBe(seconds);
  });
});

describe('the caller charge (euro cents incl. VAT)', () => {
  const perMinute: Tariff = { perMinuteCents: 90 };
  const full: Tariff = { perMinuteCents: 80, startFeeCents: 10, perCallCents: 0, maxPerCallCents: 500 };
  it.each<[string, Tariff | undefined, number, number]>([
    ['no tariff', undefined, 600, 0],
    ['0 seconds: nothing, not even the start fee', full, 0, 0],
    ['1 second at 90 ct/min rounds half up to 2 ct', perMinute, 1, 2],
    ['exactly one minute', perMinute, 60, 90],
    ['one minute and one second', perMinute, 61, 92],
    ['exactly ten minutes', perMinute, 600, 900],
    ['start fee added once', full, 60, 90],
    ['the maximum per call caps the total', full, 3600, 500],
    ['just under the maximum', full, 366, 498],
    ['per call only', { perCallCents: 150 }, 5, 150],
  ])('%s', (_name, tariff, seconds, cents) => {
    expect(callerChargeCents(tariff, seconds)).toBe(cents);
  });

  it('removes 21% VAT to milli-cents, half up, and adds it back to the same cents', () => {
    expect(exclVatMilliCents(121)).toBe(100_000);
    expect(exclVatMilliCents(900)).toBe(743_802); // 743.8016… ct
    expect(exclVatMilliCents(1)).toBe(826); // 0.8264… ct
    expect(exclVatMilliCents(0)).toBe(0);
    for (const c of [0, 1, 2, 99, 100, 121, 900, 10_000]) expect(inclVatCents(exclVatMilliCents(c))).toBe(c);
  });
});

describe('the providers\' example: 0909 at EUR 0.90/min, 1000 calls of 10 minutes', () => {
  it('pays out EUR 6,425.02 excl. VAT at a cost of 10.13 ct a minute', () => {
    expect(GOLDEN_COST_PER_MINUTE_MILLI_CENTS).toBe(10_130);
    const totals = new MonthTotals();
    const tariff: Tariff = { perMinuteCents: 90 };
    for (let i = 0; i < 1000; i++) {
      const start: CdrStart = {
        id: `c${i}`,
        callId: `call-${i}`,
        direction: 'inbound',
        customerId: 'cust',
        called: '+319091234567',
        calledType: '0909',
        caller: { number: '0612345678', restricted: false },
        tariff,
        startedAt: T0 + i * 1000,
      };
      const announced = start.startedAt + 7000;
      const cdr = buildCdr(start, { endedAt: announced + 600_000, answeredAt: start.startedAt, disposition: 'answered', tariffAnnouncementEndedAt: announced }, DEFAULT_RATES);
      totals.add(aggregateDelta(cdr));
    }
    const report = outpaymentReport('2026-10', totals);
    expect(report.total).toMatchObject({
      calls: 1000,
      minutes: '10000.00',
      revenueInclVatCents: 900_000,
      revenueExclVatMilliCents: 743_802_000,
      costMilliCents: 101_300_000,
      outpaymentMilliCents: 642_502_000,
    });
    expect(outpaymentCsv(report)).toContain('2026-10,,,total,1000,10000.00,9000.00,7438.02,1013.00,6425.02');
  });
});

describe('a call to a 090x number', () => {
  const start: CdrStart = {
    id: 'x',
    callId: 'c',
    direction: 'inbound',
    customerId: 'cust',
    called: '+319091234567',
    calledType: '0909',
    caller: { number: '0612345678', restricted: false },
    tariff: { perMinuteCents: 90, startFeeCents: 10, maxPerCallCents: 1000 },
    startedAt: T0,
  };

  it('costs the caller nothing when it ends during the tariff announcement', () => {
    const cdr = buildCdr(start, { endedAt: T0 + 4000, answeredAt: T0, disposition: 'abandoned' }, DEFAULT_RATES);
    expect(cdr).toMatchObject({ billableSeconds: 0, chargeInclVatCents: 0, costMilliCents: 0, outpaymentMilliCents: 0, durationSeconds: 4, talkSeconds: 4 });
  });

  it('costs nothing when it ends at the very moment the announcement ends', () => {
    const cdr = buildCdr(start, { endedAt: T0 + 7000, answeredAt: T0, disposition: 'abandoned', tariffAnnouncementEndedAt: T0 + 7000 }, DEFAULT_RATES);
    expect(cdr.chargeInclVatCents).toBe(0);
  });

  it('is charged from the end of the announcement, start fee included', () => {
    const cdr = buildCdr(start, { endedAt: T0 + 7000 + 120_000, answeredAt: T0, disposition: 'answered', tariffAnnouncementEndedAt: T0 + 7000 }, DEFAULT_RATES);
    expect(cdr).toMatchObject({ billableSeconds: 120, chargeInclVatCents: 190, chargeExclVatMilliCents: 157_025, costMilliCents: 20_260, outpaymentMilliCents: 136_765 });
  });

  it('a call closed after a crash is not charged', () => {
    const cdr = buildCdr(start, { endedAt: T0 + 300_000, disposition: 'failed', recovered: true }, DEFAULT_RATES);
    expect(cdr).toMatchObject({ recovered: true, billableSeconds: 0, chargeInclVatCents: 0 });
  });

  it('rates a free 0800 number at its configured cost: a negative outpayment', () => {
    const r = rateServiceCall('0800', undefined, 60, { '0800': 2000 });
    expect(r).toEqual({ billableSeconds: 60, chargeInclVatCents: 0, chargeExclVatMilliCents: 0, costMilliCents: 2000, outpaymentMilliCents: -2000 });
  });
});

describe('outbound rates by destination prefix', () => {
  it.each([
    ['+31201234567', 'nl-fixed'],
    ['+31612345678', 'nl-mobile'],
    ['+319001234567', 'nl-service'],
    ['+442071234567', 'international'],
  ])('%s is %s', (number, type) => {
    expect(destinationTypeOf(DEFAULT_RATES.outbound, number, false)).toBe(type);
  });

  it('charges per second from the answer; 112 and unanswered calls are free', () => {
    expect(rateOutboundCall(DEFAULT_RATES.outbound, '+31612345678', false, T0, T0 + 90_000)).toMatchObject({ billableSeconds: 90, chargeExclVatMilliCents: 4500, chargeInclVatCents: 5 });
    expect(rateOutboundCall(DEFAULT_RATES.outbound, '112', true, T0, T0 + 90_000).chargeExclVatMilliCents).toBe(0);
    expect(rateOutboundCall(DEFAULT_RATES.outbound, '+31612345678', false, undefined, T0 + 90_000).chargeExclVatMilliCents).toBe(0);
  });

  it('reads a rate file and names the field of a wrong value', () => {
    const tables = parseRateFile('operatorCostPerMinute:\n  "0909": 12000\noutbound:\n  - { prefix: "+", type: international, perMinuteMilliCents: 20000 }\n', 'rates.yaml');
    expect(tables.operatorCosts['0909']).toBe(12_000);
    expect(tables.operatorCosts['0900']).toBe(GOLDEN_COST_PER_MINUTE_MILLI_CENTS);
    expect(tables.outbound).toHaveLength(1);
    expect(() => parseRateFile('outbound:\n  - { prefix: "31", type: international, perMinuteMilliCents: 1 }\n', 'rates.yaml')).toThrow(/rates\.yaml.*\n.*outbound\.0\.prefix/);
    expect(() => parseRateFile('operatorCostPerMinute: { "0909": -1 }', 'r.yaml')).toThrow(/operatorCostPerMinute\.0909/);
  });
});

describe('months are Dutch calendar months', () => {
  it.each([
    ['2026-10-31T22:59:59Z', '2026-10'], // 23:59:59 CET
    ['2026-10-31T23:00:00Z', '2026-11'], // midnight CET
    ['2026-06-30T21:59:59Z', '2026-06'], // 23:59:59 CEST
    ['2026-06-30T22:00:00Z', '2026-07'],
    ['2026-12-31T23:00:00Z', '2027-01'],
  ])('%s is in %s', (iso, month) => {
    expect(monthOf(Date.parse(iso))).toBe(month);
  });
});

describe('reports', () => {
  it('split per customer and per number, and show usage of every kind of call', () => {
    const totals = new MonthTotals();
    totals.add({ customerId: 'a', line: '+319091234567', increments: [['attempts', 3], ['answered', 2], ['calls', 2], ['billableSeconds', 90], ['revenueInclCents', 135]] });
    totals.add({ customerId: 'a', line: 'outbound', increments: [['attempts', 1], ['answered', 1], ['billableSeconds', 60], ['revenueExclMilliCents', 3000]] });
    totals.add({ customerId: 'b', line: '+319061111111', increments: [['attempts', 1]] });
    const mine = outpaymentReport('2026-10', totals, { customerId: 'a', names: new Map([['a', 'Helpdesk, "BV"']]) });
    expect(mine.customers).toHaveLength(1);
    expect(mine.customers[0].numbers.map((n) => n.number)).toEqual(['+319091234567']);
    expect(outpaymentCsv(mine)).toContain('"Helpdesk, ""BV"""');
    const usage = usageReport('2026-10', totals);
    expect(usage.lines.map((l) => [l.customerId, l.line, l.attempts, l.minutes])).toEqual([
      ['a', '+319091234567', 3, '1.50'],
      ['a', 'outbound', 1, '1.00'],
      ['b', '+319061111111', 1, '0.00'],
    ]);
  });
});
