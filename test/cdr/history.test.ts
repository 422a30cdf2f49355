/*
 * CDR history and 090x revenue: which CDRs a period asks to read, which a query keeps, the days
 * and months of the dashboard, and scanning a period in both CDR logs (files and Redis).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdrLog } from '../../src/cdr/CdrLog.js';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import type { Cdr } from '../../src/cdr/CdrTypes.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { matchesQuery, pageOf, scanRangeOf } from '../../src/cdr/history.js';
import { daysOfMonth, isPremiumLine, monthsUpTo } from '../../src/cdr/revenue.js';
import { RedisCdrLog } from '../../src/cdr/RedisCdrLog.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { silentLogger } from '../../src/logger.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const DAY = 86_400_000;

describe('the period a query reads', () => {
  it.each([
    ['a month', { month: '2026-10' }, { endedFrom: Date.parse('2026-09-30T00:00:00Z'), endedTo: Date.parse('2026-11-03T00:00:00Z') }],
    ['days', { from: '2026-10-05', to: '2026-10-06' }, { endedFrom: Date.parse('2026-10-04T00:00:00Z'), endedTo: Date.parse('2026-10-09T00:00:00Z') }],
    ['only a first day', { from: '2026-10-05' }, { endedFrom: Date.parse('2026-10-04T00:00:00Z') }],
    ['nothing: everything', {}, {}],
  ])('%s', (_name, q, range) => {
    expect(scanRangeOf(q)).toEqual(range);
  });
});

const base: Cdr = {
  id: 'x', callId: 'c', direction: 'inbound', customerId: 'k1', called: '+319091234567', calledType: '0909', caller: { number: '0612345678', restricted: false },
  startedAt: Date.parse('2026-10-31T23:30:00+01:00'), endedAt: Date.parse('2026-11-01T00:10:00+01:00'), durationSeconds: 2400, talkSeconds: 2400, disposition: 'answered',
  billableSeconds: 2400, chargeInclVatCents: 0, chargeExclVatMilliCents: 0, costMilliCents: 0, outpaymentMilliCents: 0,
};

describe('which CDRs a query keeps', () => {
  it.each([
    ['a call belongs to the Dutch month it started in', { month: '2026-10' }, base, true],
    ['not to the month it ended in', { month: '2026-11' }, base, false],
    ['days are Dutch days too', { from: '2026-10-31', to: '2026-10-31' }, base, true],
    ['digits of the called number match anywhere', { number: '909 123' }, base, true],
    ['so do the caller’s', { number: '06-1234' }, base, true],
    ['a restricted caller’s stored number does not', { number: '0612345678' }, { ...base, caller: { number: '0612345678', restricted: true } }, false],
    ['another customer’s call is not kept', { customerId: 'k2' }, base, false],
    ['an account’s own calls: answered by it', { accountId: 'a1' }, { ...base, answeredBy: { account: 'a1' } }, true],
    ['an account’s own calls: not someone else’s', { accountId: 'a1' }, base, false],
    ['the outcome must match', { disposition: 'busy' as const }, base, false],
  ])('%s', (_name, q, cdr, kept) => {
    expect(matchesQuery(cdr, q)).toBe(kept);
  });

  it('pages newest first', () => {
    const cdrs = [1, 3, 2, 5, 4].map((n) => ({ id: `c${n}`, startedAt: n }));
    expect(pageOf(cdrs, 2, 2)).toEqual({ total: 5, items: [{ id: 'c3', startedAt: 3 }, { id: 'c2', startedAt: 2 }] });
  });
});

describe('the dashboard periods', () => {
  it.each([
    ['2026-02', 28],
    ['2028-02', 29],
    ['2026-10', 31],
  ])('%s has %i days', (month, days) => {
    const list = daysOfMonth(month);
    expect([list.length, list[0], list.at(-1)]).toEqual([days, `${month}-01`, `${month}-${days}`]);
  });

  it('the twelve months up to one cross a year', () => {
    expect(monthsUpTo('2026-02', 3)).toEqual(['2025-12', '2026-01', '2026-02']);
  });

  it.each([
    ['+319001234567', true],
    ['+319061234567', true],
    ['+319091234567', true],
    ['+318001234567', false],
    ['outbound', false],
  ])('%s is a 090x line: %s', (line, premium) => {
    expect(isPremiumLine(line)).toBe(premium);
  });
});

describe.each(['files', 'redis'] as const)('scanning a period of the CDRs in %s', (kind) => {
  let redis: TestRedis | undefined;
  let dir: string;
  let log: CdrLog;
  // Real CDRs close after they end: the Redis Stream's ids are the close time.
  const now = Date.now();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-cdr-scan-'));
    if (kind === 'redis') redis = await startRedis();
    log = kind === 'redis' ? new RedisCdrLog(redis!.url, silentLogger(), { keyPrefix: 'scan:', anonymiseAfterMs: 365 * DAY }) : await FileCdrLog.open(dir, silentLogger());
    const recorder = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger: silentLogger(), instanceId: 'scan' });
    for (const [callId, daysAgo, restricted] of [['old', 20, false], ['recent', 3, true], ['today', 0, false]] as const) {
      const startedAt = now - daysAgo * DAY - 60_000;
      const start = recorder.open({ callId, direction: 'inbound', customerId: 'k1', called: '+319091234567', calledType: '0909', caller: { number: '0612345678', restricted }, startedAt });
      await recorder.close(start, { endedAt: startedAt + 30_000, answeredAt: startedAt, disposition: 'answered' });
    }
    await recorder.stop();
  });
  afterAll(async () => {
    await log.shutdown();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the calls that ended in the period and keeps what the filter accepts', async () => {
    const inPeriod = await log.scan({ endedFrom: now - 10 * DAY }, () => true);
    expect(inPeriod.map((c) => c.callId)).toEqual(['recent', 'today']);
    const kept = await log.scan({ endedFrom: now - 10 * DAY, endedTo: now - DAY }, (c) => c.caller.restricted);
    expect(kept.map((c) => [c.callId, c.caller.number])).toEqual([['recent', '0612345678']]);
    expect((await log.readAll()).map((c) => c.callId)).toEqual(['old', 'recent', 'today']);
  });
});
