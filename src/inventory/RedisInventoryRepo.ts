import type { Redis } from 'ioredis';
import type { InventoryRepo, RecordTable, VersionedRecord } from './InventoryTypes.js';

/*
 * Key layout (P = the store's key prefix, T = numbers | orders | contracts | tariffchanges):
 *   P inv:T                     hash id → JSON record
 *   P inv:T:customer:<id>       set of the customer's record ids
 * Writes are compare-and-set on the record's version (scripts), so two app instances never
 * overwrite each other's state change; the loser re-reads and re-checks its transition.
 */

/** ARGV: hash, index prefix, then (id, customerId or '', json) per record. Returns the ids that existed. */
const INSERT = `
local existing = {}
for i = 3, #ARGV, 3 do
  if redis.call('HSETNX', ARGV[1], ARGV[i], ARGV[i + 2]) == 0 then
    existing[#existing + 1] = ARGV[i]
  elseif ARGV[i + 1] ~= '' then
    redis.call('SADD', ARGV[2] .. ARGV[i + 1], ARGV[i])
  end
end
return existing`;

/** ARGV: hash, index prefix, id, expected version, json, new customerId or ''. 1 written, 0 gone or changed. */
const REPLACE = `
local cur = redis.call('HGET', ARGV[1], ARGV[3])
if not cur then return 0 end
local rec = cjson.decode(cur)
if tostring(rec.version) ~= ARGV[4] then return 0 end
local old = rec.customerId
if old == nil or old == cjson.null then old = '' end
if old ~= ARGV[6] then
  if old ~= '' then redis.call('SREM', ARGV[2] .. old, ARGV[3]) end
  if ARGV[6] ~= '' then redis.call('SADD', ARGV[2] .. ARGV[6], ARGV[3]) end
end
redis.call('HSET', ARGV[1], ARGV[3], ARGV[5])
return 1`;

/** ARGV: hash, index prefix, id. */
const DELETE = `
local cur = redis.call('HGET', ARGV[1], ARGV[3])
if not cur then return 0 end
local rec = cjson.decode(cur)
if rec.customerId ~= nil and rec.customerId ~= cjson.null then redis.call('SREM', ARGV[2] .. rec.customerId, ARGV[3]) end
redis.call('HDEL', ARGV[1], ARGV[3])
return 1`;

/** Records per INSERT script call: a 10,000-number block is 20 round trips. */
const INSERT_CHUNK = 500;

function parseAll<T>(values: (string | null)[]): T[] {
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as T);
}

export class RedisTable<T extends VersionedRecord> implements RecordTable<T> {
  private readonly hash: string;
  private readonly index: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    name: string,
  ) {
    this.hash = `${prefix}inv:${name}`;
    this.index = `${prefix}inv:${name}:customer:`;
  }

  async insert(records: T[]): Promise<string[]> {
    const existing: string[] = [];
    for (let i = 0; i < records.length; i += INSERT_CHUNK) {
      const args: string[] = [this.hash, this.index];
      for (const r of records.slice(i, i + INSERT_CHUNK)) args.push(r.id, r.customerId ?? '', JSON.stringify(r));
      existing.push(...((await this.redis.eval(INSERT, 0, ...args)) as string[]));
    }
    return existing;
  }

  async get(id: string): Promise<T | undefined> {
    const v = await this.redis.hget(this.hash, id);
    return v === null ? undefined : (JSON.parse(v) as T);
  }

  async getMany(ids: string[]): Promise<(T | undefined)[]> {
    if (ids.length === 0) return [];
    return (await this.redis.hmget(this.hash, ...ids)).map((v) => (v === null ? undefined : (JSON.parse(v) as T)));
  }

  async list(): Promise<T[]> {
    return parseAll<T>(await this.redis.hvals(this.hash));
  }

  async listByCustomer(customerId: string): Promise<T[]> {
    const ids = await this.redis.smembers(this.index + customerId);
    if (ids.length === 0) return [];
    return parseAll<T>(await this.redis.hmget(this.hash, ...ids));
  }

  async replace(next: T): Promise<boolean> {
    const r = (await this.redis.eval(REPLACE, 0, this.hash, this.index, next.id, String(next.version - 1), JSON.stringify(next), next.customerId ?? '')) as number;
    return r === 1;
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.redis.eval(DELETE, 0, this.hash, this.index, id)) as number) === 1;
  }
}

/** The inventory tables of RedisStore, shared by every app instance. */
export function redisInventoryRepo(redis: Redis, prefix: string): InventoryRepo {
  return {
    numbers: new RedisTable(redis, prefix, 'numbers'),
    orders: new RedisTable(redis, prefix, 'orders'),
    contracts: new RedisTable(redis, prefix, 'contracts'),
    tariffChanges: new RedisTable(redis, prefix, 'tariffchanges'),
  };
}
