/*
 * Caller anonymisation with CDRs in a Redis Stream (CDR_ANONYMISE_AFTER_DAYS, issue 8 §6): the
 * number never enters the Stream; it waits in a key that expires after the anonymisation
 * period. Exports join it back while it lives and mark the CDR anonymised once it is gone;
 * consumer groups see each CDR exactly once, before and after.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import type { CdrStart } from '../../src/cdr/CdrTypes.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { RedisCdrLog } from '../../src/cdr/RedisCdrLog.js';
import { applyRetention } from '../../src/cdr/retention.js';
import { silentLogger } from '../../src/logger.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const logger = silentLogger();
const OCT = Date.parse('2026-10-05T10:00:00+02:00');
const DAY = 86_400_000;

function inbound(number: string): Omit<CdrStart, 'id'> {
  return {
    callId: `call-${Math.random().toString(36).slice(2)}`,
    direction: 'inbound',
    customerId: 'cust-1',
    numberId: 'num-1',
    called: '+319091234567',
    calledType: '0909',
    caller: { number, restricted: false },
    tariff: { perMinuteCents: 90 },
    startedAt: OCT,
  };
}

let redis: TestRedis;
let r: Redis;
beforeAll(async () => {
  redis = await startRedis();
  r = new Redis(redis.url);
});
afterAll(async () => {
  await r?.quit();
  await redis?.stop();
});

/** Every field value of every Stream entry, as Redis holds them. */
async function rawStream(key: string): Promise<string> {
  return JSON.stringify(await r.xrange(key, '-', '+'));
}

describe('caller anonymisation on Redis', () => {
  it('keeps the number out of the Stream, joins it while kept, and marks the CDR anonymised once its key expired', async () => {
    const log = new RedisCdrLog(redis.url, logger, { keyPrefix: 'anon:', anonymiseAfterMs: 30 * DAY });
    const rec = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 'a' });
    try {
      await r.xgroup('CREATE', log.keys.stream, 'billing', '0', 'MKSTREAM');
      const first = rec.open(inbound('0612345678'));
      await rec.close(first, { endedAt: OCT + 60_000, answeredAt: OCT, tariffAnnouncementEndedAt: OCT, disposition: 'answered' });
      const second = rec.open(inbound('0687654321'));
      await rec.close(second, { endedAt: OCT + 60_000, answeredAt: OCT, tariffAnnouncementEndedAt: OCT, disposition: 'answered' });

      // Nowhere in the Stream: consumers never receive a copy that would need rewriting later.
      const raw = await rawStream(log.keys.stream);
      expect(raw).not.toContain('0612345678');
      expect(raw).not.toContain('0687654321');
      // In a key of its own that Redis expires after the anonymisation period.
      const ttl = await r.pttl(log.keys.caller(first.id));
      expect(ttl).toBeGreaterThan(29 * DAY);
      expect(ttl).toBeLessThanOrEqual(30 * DAY);

      // Exports see the number while it is kept.
      const kept = await log.readAll();
      expect(kept.map((c) => c.caller)).toEqual([
        { number: '0612345678', restricted: false },
        { number: '0687654321', restricted: false },
      ]);
      expect(kept.some((c) => c.callerAnonymised)).toBe(false);

      // The first CDR's period is over (what its key's expiry does): anonymised, the other not.
      await r.del(log.keys.caller(first.id));
      const after = await log.readAll();
      expect(after[0]).toMatchObject({ id: first.id, caller: { restricted: false }, callerAnonymised: true, chargeInclVatCents: 90 });
      expect(after[0]!.caller.number).toBeUndefined();
      expect(after[1]).toMatchObject({ id: second.id, caller: { number: '0687654321' } });
      expect(await applyRetention(log, { retentionMonths: 12, anonymiseAfterDays: 30 }, OCT + 31 * DAY)).toEqual({ purged: 0, anonymised: 0 });

      // A consumer group got each CDR once, then nothing more: no second copy was written.
      const read = (await r.xreadgroup('GROUP', 'billing', 'c1', 'COUNT', 10, 'STREAMS', log.keys.stream, '>')) as Array<[string, Array<[string, string[]]>]>;
      expect(read[0]![1].map(([, f]) => f[f.indexOf('id') + 1])).toEqual([first.id, second.id]);
      expect(await r.xreadgroup('GROUP', 'billing', 'c1', 'COUNT', 10, 'STREAMS', log.keys.stream, '>')).toBeNull();
    } finally {
      await rec.stop();
      await log.shutdown();
    }
  });

  it('without anonymisation the Stream entry carries the number, as before', async () => {
    const log = new RedisCdrLog(redis.url, logger, { keyPrefix: 'plain:' });
    const rec = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 'a' });
    try {
      const call = rec.open(inbound('0611111111'));
      await rec.close(call, { endedAt: OCT + 1000, disposition: 'no-answer' });
      expect(await rawStream(log.keys.stream)).toContain('0611111111');
      expect(await r.exists(log.keys.caller(call.id))).toBe(0);
      expect((await log.readAll())[0]).toMatchObject({ caller: { number: '0611111111' } });
    } finally {
      await rec.stop();
      await log.shutdown();
    }
  });
});
