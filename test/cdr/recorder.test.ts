/*
 * The CDR log contract on both backends (JSONL files, and a real redis-server): a call's record
 * is open while it lasts and closed exactly once; what a dropped recorder left open is closed by
 * the next one, once, even with two recoverers racing; retention purges CDRs but keeps totals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CdrLog } from '../../src/cdr/CdrLog.js';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import type { Cdr, CdrStart } from '../../src/cdr/CdrTypes.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { RedisCdrLog } from '../../src/cdr/RedisCdrLog.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { applyRetention } from '../../src/cdr/retention.js';
import { silentLogger } from '../../src/logger.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const logger = silentLogger();
const OCT = Date.parse('2026-10-05T10:00:00+02:00');

function inbound(startedAt = OCT): Omit<CdrStart, 'id'> {
  return {
    callId: `call-${Math.random()}`,
    direction: 'inbound',
    customerId: 'cust-1',
    numberId: 'num-1',
    called: '+319091234567',
    calledType: '0909',
    caller: { number: '0612345678', restricted: false },
    tariff: { perMinuteCents: 90 },
    startedAt,
  };
}

let redis: TestRedis;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cs-cdr-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Backend {
  name: string;
  open(): Promise<CdrLog>;
  /** Every closed CDR the backend emitted. */
  closed(log: CdrLog): Promise<Cdr[]>;
}

let redisPrefix = 0;
const backends: Backend[] = [
  {
    name: 'files',
    open: () => FileCdrLog.open(dir, logger),
    closed: (log) => (log as FileCdrLog).readAll(),
  },
  {
    name: 'redis',
    open: async () => new RedisCdrLog(redis.url, logger, { keyPrefix: `t${redisPrefix}:` }),
    async closed(log) {
      const r = new Redis(redis.url);
      const entries = await r.xrange((log as RedisCdrLog).keys.stream, '-', '+');
      await r.quit();
      return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('cdr') + 1]) as Cdr);
    },
  },
];

describe.each(backends)('CDRs in $name', (backend) => {
  const logs: CdrLog[] = [];
  const recorders: CdrRecorder[] = [];
  beforeEach(() => {
    redisPrefix++;
  });
  afterEach(async () => {
    for (const r of recorders.splice(0)) await r.stop();
    for (const l of logs.splice(0)) await l.shutdown();
  });
  const openLog = async (): Promise<CdrLog> => {
    const log = await backend.open();
    logs.push(log);
    return log;
  };
  const start = async (log: CdrLog, instanceId = 'app-1', now?: () => number): Promise<CdrRecorder> => {
    const r = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId, ...(now ? { now } : {}) });
    recorders.push(r);
    return r;
  };

  it('a call is open while it lasts and is closed once, with its figures and totals', async () => {
    const log = await openLog();
    const rec = await start(log);
    const call = rec.open(inbound());
    await rec.stop(); // waits for the open write
    expect((await log.openRecords()).map((o) => o.start.id)).toEqual([call.id]);

    const end = { endedAt: OCT + 67_000, answeredAt: OCT, disposition: 'answered' as const, tariffAnnouncementEndedAt: OCT + 7000 };
    const cdr = await rec.close(call, end);
    expect(cdr).toMatchObject({ billableSeconds: 60, chargeInclVatCents: 90 });
    expect(await rec.close(call, end)).toBeUndefined();
    expect(await log.openRecords()).toEqual([]);
    const closed = await backend.closed(log);
    expect(closed.map((c) => [c.id, c.chargeInclVatCents])).toEqual([[call.id, 90]]);
    const row = (await log.month('2026-10')).get('cust-1', '+319091234567');
    expect(row).toMatchObject({ attempts: 1, answered: 1, calls: 1, billableSeconds: 60, revenueInclCents: 90 });
  });

  it('a record left open by a dropped recorder is closed once by the next start, not again by later ones', async () => {
    const first = await start(await openLog());
    const call = first.open(inbound());
    await first.stop(); // the "crash": the call never closes
    const log = await openLog();
    const [a, b] = await Promise.all([start(log), start(await openLog())]);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    const closed = await backend.closed(log);
    expect(closed.filter((c) => c.id === call.id)).toHaveLength(1);
    expect(closed[0]).toMatchObject({ recovered: true, disposition: 'failed', chargeInclVatCents: 0 });
    expect(await log.openRecords()).toEqual([]);
    expect((await log.month('2026-10')).get('cust-1', '+319091234567')?.attempts).toBe(1);
  });

  it('retention deletes old CDRs and keeps the monthly totals', async () => {
    const log = await openLog();
    const rec = await start(log);
    const old = rec.open(inbound(Date.parse('2025-01-10T10:00:00+01:00')));
    await rec.close(old, { endedAt: Date.parse('2025-01-10T10:01:00+01:00'), disposition: 'no-answer' });
    const recent = rec.open(inbound());
    await rec.close(recent, { endedAt: OCT + 1000, disposition: 'no-answer' });
    expect(await backend.closed(log)).toHaveLength(2);
    // Redis stream ids carry the XADD time (now), so its cutoff is taken relative to the wall clock.
    const now = backend.name === 'redis' ? Date.now() + 1000 : Date.parse('2026-11-01T00:00:00Z');
    const { purged } = await applyRetention(log, { retentionMonths: backend.name === 'redis' ? 0 : 12 }, now);
    const left = await backend.closed(log);
    if (backend.name === 'redis') {
      expect(purged).toBe(2);
      expect(left).toEqual([]);
    } else {
      expect(purged).toBe(1);
      expect(left.map((c) => c.id)).toEqual([recent.id]);
    }
    expect((await log.month('2025-01')).get('cust-1', '+319091234567')?.attempts).toBe(1);
  });
});

describe('CDRs in files', () => {
  it('a crash between appending the CDR and deleting the open record does not close it twice', async () => {
    const log = await FileCdrLog.open(dir, logger);
    const rec = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 'a' });
    const call = rec.open(inbound());
    await rec.close(call, { endedAt: OCT + 5000, disposition: 'abandoned' });
    await rec.stop();
    // Put the open record back, as if the process died right after the append.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'cdr', 'open', `${call.id}.json`), JSON.stringify({ start: call, instanceId: 'a' }));
    // …and the totals file from before the append.
    await writeFile(join(dir, 'cdr', 'totals.json'), JSON.stringify({ months: {}, applied: {}, anonymised: [] }));
    const again = await FileCdrLog.open(dir, logger);
    const rec2 = await CdrRecorder.start({ log: again, rates: DEFAULT_RATES, logger, instanceId: 'a' });
    await rec2.stop();
    expect((await again.readAll()).map((c) => c.id)).toEqual([call.id]);
    expect(await again.openRecords()).toEqual([]);
    expect((await again.month('2026-10')).get('cust-1', '+319091234567')?.attempts).toBe(1);
  });

  it('anonymises callers of old CDRs and writes one JSON line per CDR per day file', async () => {
    const log = await FileCdrLog.open(dir, logger);
    const rec = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 'a' });
    const call = rec.open(inbound());
    await rec.close(call, { endedAt: OCT + 5000, disposition: 'abandoned' });
    await rec.stop();
    expect((await readdir(join(dir, 'cdr'))).filter((f) => f.endsWith('.jsonl'))).toEqual(['2026-10-05.jsonl']);
    const { anonymised } = await applyRetention(log, { retentionMonths: 12, anonymiseAfterDays: 30 }, Date.parse('2026-12-01T00:00:00Z'));
    expect(anonymised).toBe(1);
    const text = await readFile(join(dir, 'cdr', '2026-10-05.jsonl'), 'utf8');
    expect(text).not.toContain('0612345678');
    expect((await log.readAll())[0]).toMatchObject({ id: call.id, callerAnonymised: true });
  });
});

describe('a CDR log that fails a close', () => {
  it('gets the close again with the next heartbeat, with the call\'s own figures', async () => {
    const inner = await FileCdrLog.open(dir, logger);
    let failNext = true;
    const flaky: CdrLog = Object.assign(Object.create(inner) as FileCdrLog, {
      closeRecord: (cdr: Cdr, delta: Parameters<CdrLog['closeRecord']>[1]) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('ENOSPC: no space left on device'));
        }
        return inner.closeRecord(cdr, delta);
      },
    });
    const rec = await CdrRecorder.start({ log: flaky, rates: DEFAULT_RATES, logger, instanceId: 'a', heartbeatMs: 20 });
    try {
      const call = rec.open(inbound());
      expect(await rec.close(call, { endedAt: OCT + 67_000, answeredAt: OCT, disposition: 'answered', tariffAnnouncementEndedAt: OCT + 7000 })).toBeUndefined();
      let closed: Cdr[] = [];
      for (let i = 0; i < 100 && closed.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        closed = await inner.readAll();
      }
      expect(closed).toHaveLength(1);
      expect(closed[0]).toMatchObject({ id: call.id, disposition: 'answered', chargeInclVatCents: 90 });
      expect(closed[0].recovered).toBeUndefined();
    } finally {
      await rec.stop();
      await inner.shutdown();
    }
  });
});

describe('CDRs in a Redis Stream', () => {
  it('a consumer group reads every CDR once and acknowledges it', async () => {
    const log = new RedisCdrLog(redis.url, logger, { keyPrefix: 'group:' });
    const rec = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 'a' });
    const r = new Redis(redis.url);
    try {
      await r.xgroup('CREATE', log.keys.stream, 'billing', '0', 'MKSTREAM');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const call = rec.open(inbound());
        ids.push(call.id);
        await rec.close(call, { endedAt: OCT + 1000, disposition: 'no-answer' });
      }
      const read = (await r.xreadgroup('GROUP', 'billing', 'consumer-1', 'COUNT', 10, 'STREAMS', log.keys.stream, '>')) as Array<[string, Array<[string, string[]]>]>;
      const entries = read[0][1];
      expect(entries.map(([, f]) => f[f.indexOf('id') + 1])).toEqual(ids);
      expect(await r.xack(log.keys.stream, 'billing', ...entries.map(([id]) => id))).toBe(3);
      const again = (await r.xreadgroup('GROUP', 'billing', 'consumer-1', 'COUNT', 10, 'STREAMS', log.keys.stream, '>')) as unknown;
      expect(again).toBeNull();
    } finally {
      await r.quit();
      await rec.stop();
      await log.shutdown();
    }
  });

  it('another instance closes a crashed instance\'s records only after its heartbeat stopped', async () => {
    const log = new RedisCdrLog(redis.url, logger, { keyPrefix: 'stale:' });
    let clock = OCT;
    const now = (): number => clock;
    const crashed = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 'app-a', now });
    const call = crashed.open(inbound());
    await crashed.stop();
    const other = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 'app-b', now });
    try {
      expect((await log.openRecords()).map((o) => o.start.id)).toEqual([call.id]);
      clock += 61_000;
      expect(await other.recover()).toBe(1);
      expect(await log.openRecords()).toEqual([]);
      expect(await other.recover()).toBe(0);
    } finally {
      await other.stop();
      await log.shutdown();
    }
  });
});
