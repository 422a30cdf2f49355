import type { Redis } from 'ioredis';
import { INDEXED, type IndexField, type InventoryRepo, type RecordTable, type VersionedRecord } from './InventoryTypes.js';

/*
 * Key layout (P = the store's key prefix, T = numbers | orders | contracts | tariffchanges | releases):
 *   P inv:T                     hash id → JSON record
 *   P inv:T:customer:<id>       set of the customer's record ids
 *   P inv:T:<field>:<value>     set of the ids whose indexed field has that value
 *                               (numbers: state, type; contracts, tariffchanges: status)
 *   P inv:T:indexed             the index fields built so far (see REINDEX)
 * Writes are compare-and-set on the record's version (scripts) and move the record between the
 * index sets in the same script, so two app instances never overwrite each other's state change
 * and an index never disagrees with its records; the loser re-reads and re-checks its transition.
 *
 * Every script's ARGV starts with: hash, key prefix ('P inv:T:'), n, then n pairs (record field,
 * key segment); the per-record values for the n indexes come from the caller ('' = none).
 */
const HEADER = `
local hash, prefix, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
local fields, segs = {}, {}
for k = 1, n do fields[k] = ARGV[2 + 2 * k]; segs[k] = ARGV[3 + 2 * k] end
local base = 4 + 2 * n
local function value(rec, k)
  local v = rec[fields[k]]
  if v == nil or v == cjson.null then return '' end
  return tostring(v)
end
`;

/** Then per record: id, json, n index values. Returns the ids that existed. */
const INSERT = `${HEADER}
local existing = {}
for i = base, #ARGV, 2 + n do
  if redis.call('HSETNX', hash, ARGV[i], ARGV[i + 1]) == 0 then
    existing[#existing + 1] = ARGV[i]
  else
    for k = 1, n do
      local v = ARGV[i + 1 + k]
      if v ~= '' then redis.call('SADD', prefix .. segs[k] .. ':' .. v, ARGV[i]) end
    end
  end
end
return existing`;

/** Then: id, expected version, json, n new index values. 1 written, 0 gone or changed. */
const REPLACE = `${HEADER}
local id = ARGV[base]
local cur = redis.call('HGET', hash, id)
if not cur then return 0 end
local rec = cjson.decode(cur)
if tostring(rec.version) ~= ARGV[base + 1] then return 0 end
for k = 1, n do
  local old, new = value(rec, k), ARGV[base + 2 + k]
  if old ~= new then
    if old ~= '' then redis.call('SREM', prefix .. segs[k] .. ':' .. old, id) end
    if new ~= '' then redis.call('SADD', prefix .. segs[k] .. ':' .. new, id) end
  end
end
redis.call('HSET', hash, id, ARGV[base + 2])
return 1`;

/** Then: id. */
const DELETE = `${HEADER}
local id = ARGV[base]
local cur = redis.call('HGET', hash, id)
if not cur then return 0 end
local rec = cjson.decode(cur)
for k = 1, n do
  local v = value(rec, k)
  if v ~= '' then redis.call('SREM', prefix .. segs[k] .. ':' .. v, id) end
end
redis.call('HDEL', hash, id)
return 1`;

/**
 * Then: the signature of the index fields. Records written before an index existed are added to
 * it once, atomically (a 100,000-number stock takes a few hundred ms of Redis time, once).
 */
const REINDEX = `${HEADER}
local mark = prefix .. 'indexed'
if redis.call('GET', mark) == ARGV[base] then return 0 end
local all = redis.call('HGETALL', hash)
for i = 1, #all, 2 do
  local rec = cjson.decode(all[i + 1])
  for k = 1, n do
    local v = value(rec, k)
    if v ~= '' then redis.call('SADD', prefix .. segs[k] .. ':' .. v, all[i]) end
  end
end
redis.call('SET', mark, ARGV[base])
return 1`;

/** Records per INSERT script call: a 10,000-number block is 20 round trips. */
const INSERT_CHUNK = 500;
/** Ids per HMGET when reading through an index. */
const READ_CHUNK = 5_000;

function parseAll<T>(values: (string | null)[]): T[] {
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as T);
}

export class RedisTable<T extends VersionedRecord, K extends IndexField<T> = never> implements RecordTable<T, K> {
  private readonly hash: string;
  private readonly prefix: string;
  /** customerId first (key segment 'customer', the layout before the other indexes), then K. */
  private readonly fields: string[];
  private readonly header: string[];
  private indexed: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    name: string,
    indexed: readonly K[] = [],
  ) {
    this.hash = `${prefix}inv:${name}`;
    this.prefix = `${prefix}inv:${name}:`;
    this.fields = ['customerId', ...indexed];
    this.header = [this.hash, this.prefix, String(this.fields.length), ...this.fields.flatMap((f) => [f, f === 'customerId' ? 'customer' : f])];
  }

  private values(r: T): string[] {
    return this.fields.map((f) => {
      const v = (r as unknown as Record<string, unknown>)[f];
      return typeof v === 'string' ? v : '';
    });
  }

  /** Builds indexes added since the records were written, once per table (REINDEX). */
  private ensureIndexed(): Promise<void> {
    this.indexed ??= this.redis.eval(REINDEX, 0, ...this.header, this.fields.join(',')).then(
      () => undefined,
      (err: Error) => {
        this.indexed = undefined;
        throw err;
      },
    );
    return this.indexed;
  }

  async insert(records: T[]): Promise<string[]> {
    const existing: string[] = [];
    for (let i = 0; i < records.length; i += INSERT_CHUNK) {
      const args: string[] = [...this.header];
      for (const r of records.slice(i, i + INSERT_CHUNK)) args.push(r.id, JSON.stringify(r), ...this.values(r));
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
    return this.byIndex([['customerId', customerId]]);
  }

  async listWhere(match: Partial<Record<K, string>>): Promise<T[]> {
    const pairs = Object.entries(match).filter((e): e is [string, string] => typeof e[1] === 'string');
    for (const [field] of pairs) if (!this.fields.includes(field)) throw new Error(`listWhere: ${field} is not an indexed field of ${this.hash}`);
    if (pairs.length === 0) return this.list();
    await this.ensureIndexed();
    return this.byIndex(pairs);
  }

  async idsWhere(match: Partial<Record<K, string>>): Promise<string[]> {
    const pairs = Object.entries(match).filter((e): e is [string, string] => typeof e[1] === 'string');
    for (const [field] of pairs) if (!this.fields.includes(field)) throw new Error(`idsWhere: ${field} is not an indexed field of ${this.hash}`);
    if (pairs.length === 0) throw new Error('idsWhere: name at least one indexed field');
    await this.ensureIndexed();
    return this.idsOf(pairs);
  }

  private idsOf(pairs: [string, string][]): Promise<string[]> {
    const keys = pairs.map(([f, v]) => `${this.prefix}${f === 'customerId' ? 'customer' : f}:${v}`);
    return keys.length === 1 ? this.redis.smembers(keys[0]) : this.redis.sinter(...keys);
  }

  private async byIndex(pairs: [string, string][]): Promise<T[]> {
    const ids = await this.idsOf(pairs);
    const out: T[] = [];
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      // A record changed between SINTER and HMGET is checked against the match again.
      for (const r of parseAll<T>(await this.redis.hmget(this.hash, ...ids.slice(i, i + READ_CHUNK)))) {
        if (pairs.every(([f, v]) => (r as unknown as Record<string, unknown>)[f] === v)) out.push(r);
      }
    }
    return out;
  }

  async replace(next: T): Promise<boolean> {
    const r = (await this.redis.eval(REPLACE, 0, ...this.header, next.id, String(next.version - 1), JSON.stringify(next), ...this.values(next))) as number;
    return r === 1;
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.redis.eval(DELETE, 0, ...this.header, id)) as number) === 1;
  }
}

/** The inventory tables of RedisStore, shared by every app instance. */
export function redisInventoryRepo(redis: Redis, prefix: string): InventoryRepo {
  return {
    numbers: new RedisTable(redis, prefix, 'numbers', INDEXED.numbers),
    orders: new RedisTable(redis, prefix, 'orders'),
    contracts: new RedisTable(redis, prefix, 'contracts', INDEXED.contracts),
    tariffChanges: new RedisTable(redis, prefix, 'tariffchanges', INDEXED.tariffChanges),
    releases: new RedisTable(redis, prefix, 'releases'),
  };
}
