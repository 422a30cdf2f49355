/**
 * CDRs in Redis. Closed CDRs go to a Stream (XADD, field `cdr` = the JSON record); billing and
 * other consumers read it through consumer groups (XREADGROUP … XACK), so each consumer group
 * sees every CDR once and a consumer that crashes re-reads its pending entries. Open records are
 * a hash, monthly totals one hash per month. Keys share the hash tag {cdr} so the close script
 * runs on one Redis Cluster slot.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { CdrLog } from './CdrLog.js';
import type { Cdr, OpenCdr } from './CdrTypes.js';
import { aggregateField, MonthTotals, type AggregateDelta, type AggregateMetric } from './MonthlyAggregates.js';

/** HDEL the open record; only if it was there: XADD the CDR and HINCRBY its totals. */
const CLOSE_SCRIPT = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'cdr', ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1]) end
return 1
`;

export interface RedisCdrKeys {
  open: string;
  stream: string;
  heartbeat: string;
  month(month: string): string;
}

export function redisCdrKeys(prefix = 'cs:'): RedisCdrKeys {
  return {
    open: `${prefix}{cdr}:open`,
    stream: `${prefix}{cdr}:stream`,
    heartbeat: `${prefix}{cdr}:heartbeat`,
    month: (month) => `${prefix}{cdr}:month:${month}`,
  };
}

export class RedisCdrLog implements CdrLog {
  readonly kind = 'redis';
  readonly keys: RedisCdrKeys;
  private readonly redis: Redis;

  /** `readOnly` (reports from the CLI): a command fails after one retry instead of waiting for Redis. */
  constructor(url: string, logger: Logger, opts: { keyPrefix?: string; readOnly?: boolean } = {}) {
    this.keys = redisCdrKeys(opts.keyPrefix);
    // Unlike the store, CDR writes queue while Redis reconnects: a record must not be dropped.
    this.redis = new Redis(url, { maxRetriesPerRequest: opts.readOnly ? 1 : null, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) });
    this.redis.on('error', (err: Error) => logger.debug({ err: err.message }, 'cdr redis connection error'));
    this.redis.defineCommand('cdrClose', { numberOfKeys: 3, lua: CLOSE_SCRIPT });
  }

  async open(rec: OpenCdr): Promise<void> {
    await this.redis.hset(this.keys.open, rec.start.id, JSON.stringify(rec));
  }

  async closeRecord(cdr: Cdr, delta: AggregateDelta): Promise<boolean> {
    const args: Array<string | number> = [];
    for (const [metric, n] of delta.increments) args.push(aggregateField(delta.customerId, delta.line, metric), n);
    const run = (this.redis as unknown as { cdrClose(...a: Array<string | number>): Promise<number> }).cdrClose;
    const closed = await run.call(this.redis, this.keys.open, this.keys.stream, this.keys.month(delta.month), cdr.id, JSON.stringify(cdr), ...args);
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
   * Stream entries cannot be edited in place, and re-adding them would hand consumers a second
   * copy; with Redis, caller numbers leave with the entries at CDR_RETENTION_MONTHS (documented).
   */
  async anonymise(): Promise<number> {
    return 0;
  }

  async readAll(): Promise<Cdr[]> {
    const out: Cdr[] = [];
    let from = '-';
    for (;;) {
      const batch = await this.redis.xrange(this.keys.stream, from, '+', 'COUNT', 1000);
      for (const [, fields] of batch) {
        const i = fields.indexOf('cdr');
        try {
          if (i >= 0) out.push(JSON.parse(fields[i + 1]) as Cdr);
        } catch {
          // an entry someone else wrote: not ours to export
        }
      }
      if (batch.length < 1000) return out;
      from = `(${batch[batch.length - 1][0]}`;
    }
  }

  async shutdown(): Promise<void> {
    // QUIT waits for a reconnect while Redis is down; a stop must not.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.redis.quit().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    this.redis.disconnect();
  }
}
