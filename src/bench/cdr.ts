/**
 * `npm run bench:cdr`: how fast CDRs are rated, and how fast the monthly outpayment report comes
 * back over a month of 1 million CDRs.
 *
 * 1. Rating: 1,000,000 synthetic calls to 1,000 service numbers of 200 customers (0900/0906/0909
 *    tariffs, per minute with start fees and maxima, 5% hung up during the tariff announcement),
 *    each built into a CDR (rating.ts, Outpayment.ts), serialised as it is emitted, and added to
 *    the running monthly totals. CDRs per second over the whole loop.
 * 2. The report over those 1M CDRs: from the in-process totals, and from Redis (the month's
 *    totals hash as 1M closes leave it, read with HGETALL) — the report never rescans CDRs.
 * 3. Closing CDRs through each log, with its I/O: the Redis close script (HDEL open + XADD +
 *    HINCRBY, one round trip) and the JSONL file log (append, open-record claim and delete; totals file at most once a second), 20,000 each.
 *
 * Needs redis-server (Debian: redis-server); it runs one on 127.0.0.1 and a free port.
 * Flags: --cdrs N (default 1,000,000), --closes N (default 20,000), --no-record.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CdrRecorder, buildCdr } from '../cdr/CdrRecorder.js';
import type { CdrLog } from '../cdr/CdrLog.js';
import type { CdrStart } from '../cdr/CdrTypes.js';
import { FileCdrLog } from '../cdr/FileCdrLog.js';
import { aggregateDelta, MonthTotals } from '../cdr/MonthlyAggregates.js';
import { RedisCdrLog } from '../cdr/RedisCdrLog.js';
import { DEFAULT_RATES } from '../cdr/rates.js';
import { outpaymentCsv, outpaymentReport } from '../cdr/reports.js';
import { silentLogger } from '../logger.js';
import type { NumberType, Tariff } from '../numbers/NumberTypes.js';
import { freePort } from './ports.js';
import { appendBenchmarkSection } from './processes.js';

const MONTH = '2026-10';
const MONTH_START = Date.parse('2026-10-01T00:00:00+02:00');
const CUSTOMERS = 200;
const NUMBERS_PER_CUSTOMER = 5;

interface Options {
  cdrs: number;
  closes: number;
  record: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { cdrs: 1_000_000, closes: 20_000, record: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cdrs') o.cdrs = Number(argv[++i]);
    else if (a === '--closes') o.closes = Number(argv[++i]);
    else if (a === '--no-record') o.record = false;
    else throw new Error(`unknown flag ${a} (flags: --cdrs N, --closes N, --no-record)`);
  }
  if (!Number.isInteger(o.cdrs) || o.cdrs < 1 || !Number.isInteger(o.closes) || o.closes < 1) throw new Error('--cdrs and --closes take a whole number ≥ 1');
  return o;
}

interface Line {
  customerId: string;
  e164: string;
  type: NumberType;
  tariff: Tariff;
}

const TYPES: NumberType[] = ['0900', '0906', '0909'];
const lines: Line[] = Array.from({ length: CUSTOMERS * NUMBERS_PER_CUSTOMER }, (_, i) => {
  const type = TYPES[i % 3];
  return {
    customerId: `customer-${String(Math.floor(i / NUMBERS_PER_CUSTOMER)).padStart(3, '0')}`,
    e164: `+31${type.slice(1)}${String(1_000_000 + i)}`,
    type,
    tariff: { perMinuteCents: 30 + (i % 7) * 10, ...(i % 2 ? { startFeeCents: 10 } : {}), maxPerCallCents: 1000 },
  };
});

/** The i-th synthetic call: deterministic, spread over the month, 5% ending in the tariff announcement. */
function syntheticCall(i: number): { start: CdrStart; endedAt: number; announcedAt?: number } {
  const line = lines[i % lines.length];
  const startedAt = MONTH_START + ((i * 2_591) % 2_592_000) * 1000;
  const talkMs = 5_000 + ((i * 7_919) % 900_000);
  const start: CdrStart = {
    id: `cdr-${i}`,
    callId: `call-${i}@bench`,
    direction: 'inbound',
    customerId: line.customerId,
    numberId: line.e164,
    called: line.e164,
    calledType: line.type,
    caller: { number: `06${String(10_000_000 + (i % 89_999_999))}`, restricted: i % 50 === 0 },
    tariff: line.tariff,
    startedAt,
  };
  if (i % 20 === 0) return { start, endedAt: startedAt + 3_000 };
  return { start, endedAt: startedAt + 7_000 + talkMs, announcedAt: startedAt + 7_000 };
}

function rateMonth(n: number): { totals: MonthTotals; ms: number; bytes: number } {
  const totals = new MonthTotals();
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const c = syntheticCall(i);
    const cdr = buildCdr(
      c.start,
      { endedAt: c.endedAt, answeredAt: c.start.startedAt, disposition: c.announcedAt ? 'answered' : 'abandoned', ...(c.announcedAt ? { tariffAnnouncementEndedAt: c.announcedAt } : {}) },
      DEFAULT_RATES,
    );
    bytes += JSON.stringify(cdr).length;
    totals.add(aggregateDelta(cdr));
  }
  return { totals, ms: performance.now() - t0, bytes };
}

async function startRedisServer(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => undefined);
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await probe.quit();
  return { url, stop: () => child.kill('SIGTERM') };
}

/** Closes `n` calls through a log (open, then close), timing the closes. */
async function closeThrough(log: CdrLog, n: number): Promise<number> {
  const recorder = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger: silentLogger(), instanceId: 'bench' });
  const starts = Array.from({ length: n }, (_, i) => {
    const c = syntheticCall(i);
    return { c, start: recorder.open(c.start) };
  });
  await recorder.stop();
  const t0 = performance.now();
  const batch = 200;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      starts.slice(i, i + batch).map(({ c, start }) =>
        recorder.close(start, { endedAt: c.endedAt, answeredAt: c.start.startedAt, disposition: 'answered', ...(c.announcedAt ? { tariffAnnouncementEndedAt: c.announcedAt } : {}) }),
      ),
    );
  }
  const ms = performance.now() - t0;
  await recorder.stop();
  return (n / ms) * 1000;
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

  const rated = rateMonth(opts.cdrs);
  const ratedPerSecond = (opts.cdrs / rated.ms) * 1000;
  const memReport = time(() => outpaymentCsv(outpaymentReport(MONTH, rated.totals)));

  const redis = await startRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'bench-cdr-'));
  try {
    // The month's totals hash exactly as opts.cdrs closes leave it (HINCRBY sums), written in one go.
    const log = new RedisCdrLog(redis.url, silentLogger(), { keyPrefix: 'bench:' });
    const writer = new Redis(redis.url);
    await writer.hset(log.keys.month(MONTH), rated.totals.fields());
    await writer.quit();
    const t0 = performance.now();
    const fromRedis = outpaymentReport(MONTH, await log.month(MONTH));
    const csv = outpaymentCsv(fromRedis);
    const redisReportMs = performance.now() - t0;
    const closesRedis = await closeThrough(new RedisCdrLog(redis.url, silentLogger(), { keyPrefix: 'closes:' }), opts.closes);
    await log.shutdown();
    const fileLog = await FileCdrLog.open(dir, silentLogger());
    const closesFile = await closeThrough(fileLog, opts.closes);
    await fileLog.shutdown();

    const c = cpus();
    const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const total = fromRedis.total;
    const rows = [
      `| CDRs rated (build + rate + serialise + add to the month's totals) | ${fmt(opts.cdrs)} | ${fmt(ratedPerSecond)} CDRs/s (${(rated.ms / 1000).toFixed(2)} s; ${(rated.bytes / opts.cdrs).toFixed(0)} bytes of JSON each) |`,
      `| Outpayment report (CSV) over ${fmt(opts.cdrs)} CDRs, in-process totals | ${fromRedis.customers.length} customers, ${lines.length} numbers | ${memReport.ms.toFixed(1)} ms |`,
      `| The same from Redis (HGETALL of the month's totals + report + CSV) | ${Object.keys(rated.totals.fields()).length} counters | ${redisReportMs.toFixed(1)} ms |`,
      `| CDR closes through Redis (HDEL + XADD + HINCRBY script), 200 in flight | ${fmt(opts.closes)} | ${fmt(closesRedis)} closes/s |`,
      `| CDR closes through the JSONL file log (append, open-record claim and delete; totals file at most once a second), 200 in flight | ${fmt(opts.closes)} | ${fmt(closesFile)} closes/s |`,
    ];
    const section = [
      '',
      `## ${when} UTC — CDRs: rating and the outpayment report (\`npm run bench:cdr\`)`,
      '',
      `Machine: ${c.length} × ${c[0]?.model.trim() ?? 'unknown'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; redis-server on 127.0.0.1.`,
      `Synthetic month ${MONTH}: ${fmt(opts.cdrs)} calls to ${lines.length} numbers (0900/0906/0909) of ${CUSTOMERS} customers, 5% ending in the`,
      `tariff announcement. Month total: ${fmt(total.calls)} charged calls, ${total.minutes} minutes, revenue EUR ${(total.revenueInclVatCents / 100).toFixed(2)} incl. VAT,`,
      `outpayment EUR ${(total.outpaymentMilliCents / 100_000).toFixed(2)}. Target (issue 8): the report over 1M CDRs in under 2 s. The Redis`,
      `month hash is written with one HSET of the sums (what 1M close scripts' HINCRBYs leave), then read back as the report does.`,
      `Load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (other work on the machine).`,
      '',
      '| What | Size | Result |',
      '|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    process.stdout.write(`${section}\n(report CSV: ${csv.length} bytes)\n`);
    if (opts.record) process.stdout.write(`recorded in ${appendBenchmarkSection(section)}\n`);
  } finally {
    redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (/bench\/cdr\.[jt]s$/.test(process.argv[1] ?? '')) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench:cdr failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
