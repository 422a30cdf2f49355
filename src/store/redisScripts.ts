/**
 * The Lua scripts of the Redis store. Each runs atomically on the server, which is what makes a
 * check-then-write (a free username, a free channel slot) safe with several app instances.
 *
 * The record scripts take the key prefix as ARGV[1] and build index keys from record contents
 * (cascade deletes follow the index sets), so they assume one Redis node, not Redis Cluster.
 * Times for leases and counters come from the Redis clock (TIME), so app instances with skewed
 * clocks still agree on when a lease expires.
 */
import { createHash } from 'node:crypto';
import { DEVICE_LUA } from './deviceLua.js';

export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

/** Cascade helpers shared by the record scripts. HGET answers `false` for a missing field. */
const RECORDS = `
local P = ARGV[1]
local function str(v) return type(v) == 'string' end
${DEVICE_LUA}
local function deleteToken(id)
  local json = redis.call('HGET', P .. 'tokens', id)
  if not json then return 0 end
  local t = cjson.decode(json)
  redis.call('HDEL', P .. 'tokens', id)
  if str(t.hash) and redis.call('HGET', P .. 'tokenhashes', t.hash) == id then
    redis.call('HDEL', P .. 'tokenhashes', t.hash)
  end
  if str(t.customerId) then redis.call('SREM', P .. 'customer:' .. t.customerId .. ':tokens', id) end
  if str(t.accountId) then redis.call('SREM', P .. 'account:' .. t.accountId .. ':tokens', id) end
  return 1
end
local function deleteAccount(id)
  local json = redis.call('HGET', P .. 'accounts', id)
  if not json then return 0 end
  local a = cjson.decode(json)
  redis.call('HDEL', P .. 'accounts', id)
  if redis.call('HGET', P .. 'usernames', a.username) == id then redis.call('HDEL', P .. 'usernames', a.username) end
  redis.call('SREM', P .. 'customer:' .. a.customerId .. ':accounts', id)
  redis.call('DEL', P .. 'reg:' .. id, P .. 'regexp:' .. id)
  for _, tid in ipairs(redis.call('SMEMBERS', P .. 'account:' .. id .. ':tokens')) do deleteToken(tid) end
  redis.call('DEL', P .. 'account:' .. id .. ':tokens')
  unbindAccountDevices(id)
  return 1
end
local function deleteNumber(id)
  local json = redis.call('HGET', P .. 'numbers', id)
  if not json then return 0 end
  local n = cjson.decode(json)
  redis.call('HDEL', P .. 'numbers', id)
  if redis.call('HGET', P .. 'e164s', n.e164) == id then redis.call('HDEL', P .. 'e164s', n.e164) end
  redis.call('SREM', P .. 'customer:' .. n.customerId .. ':numbers', id)
  return 1
end
local function deletePlan(id)
  local json = redis.call('HGET', P .. 'plans', id)
  if not json then return 0 end
  local p = cjson.decode(json)
  redis.call('HDEL', P .. 'plans', id)
  redis.call('SREM', P .. 'customer:' .. p.customerId .. ':plans', id)
  redis.call('DEL', P .. 'plan:' .. id .. ':versions', P .. 'plan:' .. id .. ':vseq')
  -- Numbers of the plan's customer that used it lose their planId. Re-encoding is safe for a
  -- number record: no arrays, and integers of at most 13 digits (cjson prints 14 significant).
  for _, nid in ipairs(redis.call('SMEMBERS', P .. 'customer:' .. p.customerId .. ':numbers')) do
    local njson = redis.call('HGET', P .. 'numbers', nid)
    if njson then
      local n = cjson.decode(njson)
      if n.planId == id then
        n.planId = nil
        redis.call('HSET', P .. 'numbers', nid, cjson.encode(n))
      end
    end
  end
  return 1
end
`;

/** ARGV: prefix, id, expected JSON, new JSON. 1 done, 0 unknown id, -2 changed meanwhile (retry). */
export const UPDATE_CUSTOMER = new LuaScript(`${RECORDS}
local cur = redis.call('HGET', P .. 'customers', ARGV[2])
if not cur then return 0 end
if cur ~= ARGV[3] then return -2 end
redis.call('HSET', P .. 'customers', ARGV[2], ARGV[4])
return 1
`);

/** ARGV: prefix, id. 1 deleted, 0 unknown. */
export const DELETE_CUSTOMER = new LuaScript(`${RECORDS}
local id = ARGV[2]
if redis.call('HEXISTS', P .. 'customers', id) == 0 then return 0 end
-- Devices first, so deleting the accounts has no lines left to unbind.
deleteCustomerDevices(id)
for _, aid in ipairs(redis.call('SMEMBERS', P .. 'customer:' .. id .. ':accounts')) do deleteAccount(aid) end
for _, tid in ipairs(redis.call('SMEMBERS', P .. 'customer:' .. id .. ':tokens')) do deleteToken(tid) end
for _, nid in ipairs(redis.call('SMEMBERS', P .. 'customer:' .. id .. ':numbers')) do deleteNumber(nid) end
for _, pid in ipairs(redis.call('SMEMBERS', P .. 'customer:' .. id .. ':plans')) do deletePlan(pid) end
redis.call('DEL', P .. 'customer:' .. id .. ':accounts', P .. 'customer:' .. id .. ':tokens')
redis.call('DEL', P .. 'customer:' .. id .. ':numbers', P .. 'customer:' .. id .. ':plans')
redis.call('DEL', P .. 'hunt:' .. id)
redis.call('HDEL', P .. 'customers', id)
return 1
`);

/** ARGV: prefix, id, username, customerId, JSON. 1 created, 0 username taken, -1 unknown customer. */
export const CREATE_ACCOUNT = new LuaScript(`${RECORDS}
if redis.call('HEXISTS', P .. 'customers', ARGV[4]) == 0 then return -1 end
if redis.call('HSETNX', P .. 'usernames', ARGV[3], ARGV[2]) == 0 then return 0 end
redis.call('HSET', P .. 'accounts', ARGV[2], ARGV[5])
redis.call('SADD', P .. 'customer:' .. ARGV[4] .. ':accounts', ARGV[2])
return 1
`);

/**
 * ARGV: prefix, id, expected JSON, new JSON, new username.
 * 1 done, 0 unknown id, -1 username taken, -2 changed meanwhile (retry).
 */
export const UPDATE_ACCOUNT = new LuaScript(`${RECORDS}
local id = ARGV[2]
local cur = redis.call('HGET', P .. 'accounts', id)
if not cur then return 0 end
if cur ~= ARGV[3] then return -2 end
local old = cjson.decode(cur).username
local new = ARGV[5]
if old ~= new then
  if redis.call('HSETNX', P .. 'usernames', new, id) == 0 then return -1 end
  if redis.call('HGET', P .. 'usernames', old) == id then redis.call('HDEL', P .. 'usernames', old) end
end
redis.call('HSET', P .. 'accounts', id, ARGV[4])
return 1
`);

/** ARGV: prefix, id. 1 deleted, 0 unknown. */
export const DELETE_ACCOUNT = new LuaScript(`${RECORDS}
return deleteAccount(ARGV[2])
`);

/** ARGV: prefix, id, hash, customerId or '', accountId or '', JSON. Replaces a token of the same id. */
export const SAVE_TOKEN = new LuaScript(`${RECORDS}
local id = ARGV[2]
deleteToken(id)
redis.call('HSET', P .. 'tokens', id, ARGV[6])
redis.call('HSET', P .. 'tokenhashes', ARGV[3], id)
if ARGV[4] ~= '' then redis.call('SADD', P .. 'customer:' .. ARGV[4] .. ':tokens', id) end
if ARGV[5] ~= '' then redis.call('SADD', P .. 'account:' .. ARGV[5] .. ':tokens', id) end
return 1
`);

/** ARGV: prefix, id. 1 deleted, 0 unknown. */
export const DELETE_TOKEN = new LuaScript(`${RECORDS}
return deleteToken(ARGV[2])
`);

/** ARGV: prefix, id, e164, customerId, JSON. 1 created, 0 number taken, -1 unknown customer. */
export const CREATE_NUMBER = new LuaScript(`${RECORDS}
if redis.call('HEXISTS', P .. 'customers', ARGV[4]) == 0 then return -1 end
if redis.call('HSETNX', P .. 'e164s', ARGV[3], ARGV[2]) == 0 then return 0 end
redis.call('HSET', P .. 'numbers', ARGV[2], ARGV[5])
redis.call('SADD', P .. 'customer:' .. ARGV[4] .. ':numbers', ARGV[2])
return 1
`);

/**
 * ARGV: prefix, id, expected JSON, new JSON, new e164.
 * 1 done, 0 unknown id, -1 number taken, -2 changed meanwhile (retry).
 */
export const UPDATE_NUMBER = new LuaScript(`${RECORDS}
local id = ARGV[2]
local cur = redis.call('HGET', P .. 'numbers', id)
if not cur then return 0 end
if cur ~= ARGV[3] then return -2 end
local old = cjson.decode(cur).e164
local new = ARGV[5]
if old ~= new then
  if redis.call('HSETNX', P .. 'e164s', new, id) == 0 then return -1 end
  if redis.call('HGET', P .. 'e164s', old) == id then redis.call('HDEL', P .. 'e164s', old) end
end
redis.call('HSET', P .. 'numbers', id, ARGV[4])
return 1
`);

/** ARGV: prefix, id. 1 deleted, 0 unknown. */
export const DELETE_NUMBER = new LuaScript(`${RECORDS}
return deleteNumber(ARGV[2])
`);

/** ARGV: prefix, id, customerId, JSON. 1 created, -1 unknown customer. */
export const CREATE_PLAN = new LuaScript(`${RECORDS}
if redis.call('HEXISTS', P .. 'customers', ARGV[3]) == 0 then return -1 end
redis.call('HSET', P .. 'plans', ARGV[2], ARGV[4])
redis.call('SADD', P .. 'customer:' .. ARGV[3] .. ':plans', ARGV[2])
return 1
`);

/**
 * ARGV: prefix, planId, version JSON (without its number). The next version number (INCR of the
 * plan's counter, so two editors saving at once get 2 and 3, never 2 twice); 0 unknown plan.
 */
export const ADD_PLAN_VERSION = new LuaScript(`${RECORDS}
if redis.call('HEXISTS', P .. 'plans', ARGV[2]) == 0 then return 0 end
local v = redis.call('INCR', P .. 'plan:' .. ARGV[2] .. ':vseq')
redis.call('HSET', P .. 'plan:' .. ARGV[2] .. ':versions', v, ARGV[3])
return v
`);

/**
 * ARGV: prefix, id, expected JSON, new JSON, version.
 * 1 done, 0 unknown plan, -1 no such version, -2 changed meanwhile (retry).
 */
export const SET_PLAN_LIVE = new LuaScript(`${RECORDS}
local id = ARGV[2]
local cur = redis.call('HGET', P .. 'plans', id)
if not cur then return 0 end
if redis.call('HEXISTS', P .. 'plan:' .. id .. ':versions', ARGV[5]) == 0 then return -1 end
if cur ~= ARGV[3] then return -2 end
redis.call('HSET', P .. 'plans', id, ARGV[4])
return 1
`);

/** ARGV: prefix, id. 1 deleted, 0 unknown. */
export const DELETE_PLAN = new LuaScript(`${RECORDS}
return deletePlan(ARGV[2])
`);

/** Drops the bindings of KEYS[1] (hash) / KEYS[2] (expiry zset) that expired by `now`. */
const PRUNE_BINDINGS = `
local function prune(now)
  local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  if #gone > 0 then
    redis.call('HDEL', KEYS[1], unpack(gone))
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  end
end
`;

/**
 * KEYS: bindings hash, expiry zset, sequence counter. ARGV: contact, JSON, expiresAt, now (app clock,
 * the clock expiresAt was computed with). A binding is stored as '<seq>|<json>'; the sequence of the
 * first save orders bindings oldest first and survives refreshes. A save older (lower CSeq of the
 * same Call-ID) than the stored binding is dropped: 0. A refresh replaces the JSON whole, so its
 * registeredAt ("last seen", stamped by RedisStore.save) moves forward; a dropped one leaves it.
 */
export const SAVE_BINDING = new LuaScript(`${PRUNE_BINDINGS}
local now = tonumber(ARGV[4])
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local seq = cur and string.match(cur, '^(%d+)|')
if seq then
  -- Two instances handling REGISTERs of one Call-ID at once: the later CSeq wins (RFC 3261 §10.3 step 7).
  local old = cjson.decode(string.sub(cur, #seq + 2))
  local new = cjson.decode(ARGV[2])
  if old.callId == new.callId and tonumber(old.cseq) > tonumber(new.cseq) then return 0 end
end
if not seq then seq = redis.call('INCR', KEYS[3]) end
redis.call('HSET', KEYS[1], ARGV[1], seq .. '|' .. ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
prune(now)
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if #last == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
else
  -- The keys outlive their last binding by a minute; reads filter by expiresAt anyway.
  local ttl = math.max(tonumber(last[2]) - now, 0) + 60000
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return 1
`);

/** KEYS: bindings hash, expiry zset. ARGV: now. */
export const PRUNE_BINDINGS_SCRIPT = new LuaScript(`${PRUNE_BINDINGS}
prune(tonumber(ARGV[1]))
return 1
`);

/** Redis clock in ms, and the purge every lease operation starts with. KEYS[1]: the lease zset. */
const LEASES = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local function keepUntilLastLease()
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if #last > 0 then redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]) + 1000) end
end
`;

/** ARGV: leaseId, limit, ttlMs. 1 taken (or already held, then extended), 0 no slot free. */
export const ACQUIRE_LEASE = new LuaScript(`${LEASES}
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not held and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
keepUntilLastLease()
return 1
`);

/** ARGV: leaseId, ttlMs. 1 extended, 0 gone. */
export const RENEW_LEASE = new LuaScript(`${LEASES}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
keepUntilLastLease()
return 1
`);

/** Live leases. */
export const COUNT_LEASES = new LuaScript(`${LEASES}
return redis.call('ZCARD', KEYS[1])
`);

/** KEYS: the event zset. ARGV: windowMs, a unique member. Returns events within the window. */
export const HIT = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], window)
return redis.call('ZCARD', KEYS[1])
`);

/** KEYS: the number. ARGV: value, ttlMs. 1 raised, 0 stored value already >= value. */
export const RAISE_IF_HIGHER = new LuaScript(`
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);
