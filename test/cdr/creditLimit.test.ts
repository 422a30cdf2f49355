/*
 * The credit limit counts calls in progress (issue 8 §5: "usage adds up per customer per month;
 * above the limit new outbound calls are refused"): closed calls' charges plus, for every
 * answered outbound call still running, its cost so far at its destination's rate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import type Srf from 'drachtio-srf';
import { phoneCallHooks } from '../../src/cdr/callRecords.js';
import { CreditLimit, creditStanding, type LiveOutboundCall } from '../../src/cdr/CreditLimit.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { DEFAULT_RATES, type OutboundRate } from '../../src/cdr/rates.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';

const T0 = Date.parse('2026-10-07T10:00:00+02:00');
const MIN = 60_000;
/** 3 ct a minute to mobiles, 1.5 ct to fixed lines, with a 5 ct set-up fee to one test prefix. */
const RATES: OutboundRate[] = [
  { prefix: '+31', type: 'nl-fixed', perMinuteMilliCents: 1_500 },
  { prefix: '+316', type: 'nl-mobile', perMinuteMilliCents: 3_000 },
  { prefix: '+3120', type: 'nl-fixed', perMinuteMilliCents: 1_500, setupMilliCents: 5_000 },
];
const mobile = (minutesAgo: number): LiveOutboundCall => ({ called: '+31612345678', answeredAt: T0 - minutesAgo * MIN });

describe('creditStanding', () => {
  const cases: Array<[string, number, number, LiveOutboundCall[], { allowed: boolean; usedMilliCents: number }]> = [
    ['no calls at all', 100_000, 0, [], { allowed: true, usedMilliCents: 0 }],
    ['closed calls alone just below the limit', 100_000, 99_999, [], { allowed: true, usedMilliCents: 99_999 }],
    ['closed calls exactly at the limit', 100_000, 100_000, [], { allowed: false, usedMilliCents: 100_000 }],
    ['a call in progress for 30 minutes on top of 9 ct closed', 100_000, 9_000, [mobile(30)], { allowed: true, usedMilliCents: 9_000 + 90_000 }],
    ['the same call at 31 minutes crosses the limit', 100_000, 9_000, [mobile(31)], { allowed: false, usedMilliCents: 9_000 + 93_000 }],
    ['two calls in progress add up', 100_000, 0, [mobile(20), mobile(14)], { allowed: false, usedMilliCents: 60_000 + 42_000 }],
    ['a call answered this second has cost nothing yet', 100_000, 99_000, [mobile(0)], { allowed: true, usedMilliCents: 99_000 }],
    ['per second: 10 s of a mobile call is 0.5 ct', 1_000, 0, [{ called: '+31612345678', answeredAt: T0 - 10_000 }], { allowed: true, usedMilliCents: 500 }],
    ['the set-up fee counts from the answer', 5_000, 0, [{ called: '+31201234567', answeredAt: T0 - 1000 }], { allowed: false, usedMilliCents: 5_000 + 25 }],
  ];
  it.each(cases)('%s', (_name, limit, closed, live, expected) => {
    expect(creditStanding(limit, closed, live, RATES, T0)).toMatchObject(expected);
  });
});

describe('CreditLimit', () => {
  let dir: string;
  let log: FileCdrLog;
  let recorder: CdrRecorder;
  const store = new MemoryStore();
  let now = T0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-credit-'));
    log = await FileCdrLog.open(dir, silentLogger());
    recorder = await CdrRecorder.start({ log, rates: { ...DEFAULT_RATES, outbound: RATES }, logger: silentLogger(), instanceId: 'test', now: () => now });
  });
  afterAll(async () => {
    await recorder.stop();
    await log.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a new call once the calls in progress have run up the limit, and allows again when they end cheaper', async () => {
    const customer = await store.customers.create({ name: 'Loodgieter Jansen', status: 'active', creditLimitCents: 100 });
    const other = await store.customers.create({ name: 'Bakker', status: 'active', creditLimitCents: 100 });
    const credit = new CreditLimit({ store, recorder, logger: silentLogger(), now: () => now });
    now = T0;
    const ended = credit.callAnswered(customer.id, '+31612345678', T0);
    now = T0 + 33 * MIN; // 99 ct so far
    expect(await credit.allows(customer.id)).toBe(true);
    now = T0 + 34 * MIN; // 102 ct so far: over the 1 euro limit while the call still runs
    expect(await credit.allows(customer.id)).toBe(false);
    // Another customer's usage is its own.
    expect(await credit.allows(other.id)).toBe(true);
    // The call ends without its CDR (say it failed to close): it no longer counts.
    ended();
    expect(await credit.allows(customer.id)).toBe(true);
  });

  it("a phone's answered outbound call counts from its answer until it ends; 112 never does", async () => {
    const customer = await store.customers.create({ name: 'Schilder De Boer', status: 'active', creditLimitCents: 100 });
    const account = await store.accounts.create({ customerId: customer.id, username: '301', displayName: 'Werkplaats', passwordEnc: 'x', channelLimit: 2 });
    const credit = new CreditLimit({ store, recorder, logger: silentLogger(), now: () => now });
    const hooks = phoneCallHooks(recorder, credit, silentLogger(), () => now);
    const invite = (callId: string): Srf.SrfRequest => ({ get: (h: string) => (h === 'Call-ID' ? callId : h === 'From' ? '<sip:301@contactsuite.test>' : undefined) }) as unknown as Srf.SrfRequest;
    now = T0;
    const emergency = hooks.started(invite('c-112'), account, 'outbound', '112');
    emergency.answered();
    const call = hooks.started(invite('c-mobile'), account, 'outbound', '+31612345678');
    now = T0 + 5000;
    call.answered();
    now = T0 + 5000 + 40 * MIN; // 120 ct so far
    expect(await credit.allows(customer.id)).toBe(false);
    call.ended();
    emergency.ended();
    // Now it is the closed CDR that counts: 40 minutes at 3 ct.
    for (let i = 0; i < 100 && (await recorder.outboundSpendMilliCents(customer.id)) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await recorder.outboundSpendMilliCents(customer.id)).toBe(120_000);
    expect(await credit.allows(customer.id)).toBe(false);
    await store.customers.update(customer.id, { creditLimitCents: 121 });
    expect(await credit.allows(customer.id)).toBe(true);
  });
});
