/**
 * CDRs in Redis. Closed CDRs go to a Stream (XADD, field `cdr` = the JSON record); billing and
 * other consumers read it through consumer groups (XREADGROUP … XACK), so each consumer group
 * sees every CDR once and a consumer that crashes re-reads its pending entries. Open records are
 * a hash, monthly totals one hash per month. Keys share the hash tag {cdr} so the close script
 * runs on one Redis Cluster slot.
 *
 * Caller anonymisation (CDR_ANONYMISE_AFTER_DAYS): a Stream entry cannot be edited, and
 * rewriting it (XDEL + XADD) would hand every consumer group a second copy of the CDR. So with
 * anonymisation on, the caller's number never goes into the Stream: the entry's CDR carries
 * `caller: { restricted }` only plus a field `caller` naming a key {cdr}:caller:<id> that holds
 * the caller identity and expires (PX) after the anonymisation period, counted from the close.
 * readAll() (exports, reports) joins the two and marks a CDR whose key has expired
 * `callerAnonymised: true`; a consumer of the Stream that needs the number does the same GET
 * while it lives. After the period Redis holds the number nowhere (the key is gone, the entry
 * never had it); what a consumer copied out meanwhile is that consumer's to anonymise.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { CdrLog, CdrScanRange } from './CdrLog.js';
import type { Cdr, OpenCdr } from './CdrTypes.js';
import { aggregateField, MonthTotals, type AggregateDelta, type AggregateMetric } from './MonthlyAggregates.js';

/**
 * HDEL the open record; only if it was there: XADD the CDR and HINCRBY its totals. With a caller
 * identity in ARGV[3] (anonymisation on) it goes to KEYS[4], expiring after ARGV[4] ms, and the
 * entry names that key instead of carrying the number.
 */
const CLOSE_SCRIPT = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[4])
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'cdr', ARGV[2], 'caller', KEYS[4])
else
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'cdr', ARGV[2])
end
for i = 5, #ARGV, 2 do redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1]) end
return 1
`;

export interface RedisCdrKeys {
  open: string;
  stream: string;
  heartbeat: string;
  month(month: string): string;
  /** The caller identity of one CDR while it is kept (anonymisation on). */
  caller(id: string): string;
}

export function redisCdrKeys(prefix = 'cs:'): RedisCdrKeys {
  return {
    open: `${prefix}{cdr}:open`,
    stream: `${prefix}{cdr}:stream`,
    heartbeat: `${prefix}{cdr}:heartbeat`,
    month: (month) => `${prefix}{cdr}:month:${month}`,
    caller: (id) => `${prefix}{cdr}:caller:${id}`,
  };
}

export class RedisCdrLog implements CdrLog {
  readonly kind = 'redis';
  readonly keys: RedisCdrKeys;
  private readonly redis: Redis;
  private readonly callerTtlMs: number | undefined;

  /**
   * `readOnly` (reports from the CLI): a command fails after one retry instead of waiting for Redis.
   * `anonymiseAfterMs` (CDR_ANONYMISE_AFTER_DAYS): caller numbers are kept out of the Stream, in
   * keys that expire after this (see the file comment).
   */
  constructor(url: string, logger: Logger, opts: { keyPrefix?: string; readOnly?: boolean; anonymiseAfterMs?: number } = {}) {
    this.keys = redisCdrKeys(opts.keyPrefix);
    this.callerTtlMs = opts.anonymiseAfterMs;
    // Unlike the store, CDR writes queue while Redis reconnects: a record must not be dropped.
    this.redis = new Redis(url, { maxRetriesPerRequest: opts.readOnly ? 1 : null, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) });
    this.redis.on('error', (err: Error) => logger.debug({ err: err.message }, 'cdr redis connection error'));
    this.redis.defineCommand('cdrClose', { numberOfKeys: 4, lua: CLOSE_SCRIPT });
  }

  async open(rec: OpenCdr): Promise<void> {
    await this.redis.hset(this.keys.open, rec.start.id, JSON.stringify(rec));
  }

  async closeRecord(cdr: Cdr, delta: AggregateDelta): Promise<boolean> {
    const args: Array<string | number> = [];
    for (const [metric, n] of delta.increments) args.push(aggregateField(delta.customerId, delta.line, metric), n);
    const run = (this.redis as unknown as { cdrClose(...a: Array<string | number>): Promise<number> }).cdrClose;
    const split = this.callerTtlMs !== undefined && cdr.caller.number !== undefined;
    const entry = split ? { ...cdr, caller: { restricted: cdr.caller.restricted } } : cdr;
    const keys = [this.keys.open, this.keys.stream, this.keys.month(delta.month), this.keys.caller(cdr.id)];
    const closed = await run.call(this.redis, ...keys, cdr.id, JSON.stringify(entry), split ? JSON.stringify(cdr.caller) : '', this.callerTtlMs ?? 0, ...args);
    return closed === 1;
  }

  async openRecords(): Promise<OpenCdr[]> {
    const all = await this.redis.hvals(this.keys.open);
    return all.flatMap((v) => {
      try {
        return [JSON.parse(v) as OpenCdr];
      } catch {
        return [];
      }
    });
  }

  async heartbeat(instanceId: string, at: number): Promise<void> {
    await this.redis.hset(this.keys.heartbeat, instanceId, String(at));
  }

  async lastHeartbeat(instanceId: string): Promise<number | undefined> {
    const v = await this.redis.hget(this.keys.heartbeat, instanceId);
    return v === null ? undefined : Number(v);
  }

  async month(month: string): Promise<MonthTotals> {
    const totals = new MonthTotals();
    const all = await this.redis.hgetall(this.keys.month(month));
    for (const [field, value] of Object.entries(all)) totals.addField(field, Number(value));
    return totals;
  }

  async counter(month: string, customerId: string, line: string, metric: AggregateMetric): Promise<number> {
    const v = await this.redis.hget(this.keys.month(month), aggregateField(customerId, line, metric));
    return v === null ? 0 : Number(v);
  }

  async purge(before: number): Promise<number> {
    // Stream ids start with the XADD time in ms: MINID drops every entry added before `before`.
    return this.redis.xtrim(this.keys.stream, 'MINID', `${before}-0`);
  }

  /**
   * Nothing to do: with anonymisation on, caller numbers live only in keys that Redis expires by
   * itself (see the file comment). Without it (the log opened without anonymiseAfterMs, e.g.
   * records written before it was turned on), numbers leave with the entries at purge.
   */
  async anonymise(): Promise<number> {
    return 0;
  }

  readAll(): Promise<Cdr[]> {
    return this.scan({}, () => true);
  }

  /**
   * Stream ids are the close time, never before the end: entries added before `endedFrom` (less a
   * minute for clocks between instances) are skipped. A CDR closed by recovery can be added long
   * after its end, so the upper bound is checked per record, not by id.
   */
  async scan(range: CdrScanRange, keep: (cdr: Cdr) => boolean): Promise<Cdr[]> {
    const out: Cdr[] = [];
    let from = range.endedFrom !== undefined ? `${Math.max(0, range.endedFrom - 60_000)}-0` : '-';
    const wanted = (cdr: Cdr): boolean =>
      (range.endedFrom === undefined || cdr.endedAt >= range.endedFrom) && (range.endedTo === undefined || cdr.endedAt < range.endedTo);
    for (;;) {
      const batch = await this.redis.xrange(this.keys.stream, from, '+', 'COUNT', 1000);
      const read: Cdr[] = [];
      const split: Array<{ cdr: Cdr; key: string }> = [];
      for (const [, fields] of batch) {
        const i = fields.indexOf('cdr');
        try {
          if (i < 0) continue;
          const cdr = JSON.parse(fields[i + 1]) as Cdr;
          if (!wanted(cdr)) continue;
          read.push(cdr);
          const c = fields.indexOf('caller');
          if (c >= 0 && c % 2 === 0) split.push({ cdr, key: fields[c + 1] });
        } catch {
          // an entry someone else wrote: not ours to export
        }
      }
      if (split.length > 0) {
        const callers = await this.redis.mget(...split.map((s) => s.key));
        split.forEach((s, n) => joinCaller(s.cdr, callers[n] ?? null));
      }
      for (const cdr of read) if (keep(cdr)) out.push(cdr);
      if (batch.length < 1000) return out;
      from = `(${batch[batch.length - 1][0]}`;
    }
  }

  /** The caller key's value for a test or a consumer: what readAll joins. */
  async callerOf(id: string): Promise<string | null> {
    return this.redis.get(this.keys.caller(id));
  }

  async shutdown(): Promise<void> {
    // QUIT waits for a reconnect while Redis is down; a stop must not.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.redis.quit().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    this.redis.disconnect();
  }
}

/** Puts the kept caller identity back into a CDR from the Stream; an expired key means anonymised. */
function joinCaller(cdr: Cdr, stored: string | null): void {
  if (stored === null) {
    cdr.callerAnonymised = true;
    return;
  }
  try {
    cdr.caller = JSON.parse(stored) as Cdr['caller'];
  } catch {
    cdr.callerAnonymised = true;
  }
}
