import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { usernameTaken } from './MemoryWebLoginRepo.js';
import { byCreation, unknownCustomer } from './records.js';
import { LuaScript } from './redisScripts.js';
import { ConflictError, type WebLogin, type WebLoginRepo } from './StoreTypes.js';

/*
 * Keys (P = prefix):
 *   P weblogins                      hash id → JSON WebLogin
 *   P webloginnames                  hash username → id (unique over all customers)
 *   P customer:<id>:weblogins        set of the customer's login ids (the customer delete cascade)
 */

/** ARGV: prefix, id, JSON. 1 created, 0 username taken, -1 unknown customer. */
const CREATE = new LuaScript(`
local P = ARGV[1]
local l = cjson.decode(ARGV[3])
if redis.call('HEXISTS', P .. 'customers', l.customerId) == 0 then return -1 end
if redis.call('HSETNX', P .. 'webloginnames', l.username, ARGV[2]) == 0 then return 0 end
redis.call('HSET', P .. 'weblogins', ARGV[2], ARGV[3])
redis.call('SADD', P .. 'customer:' .. l.customerId .. ':weblogins', ARGV[2])
return 1
`);

/** ARGV: prefix, id, new password hash. 1 done, 0 unknown. */
const SET_PASSWORD = new LuaScript(`
local P = ARGV[1]
local cur = redis.call('HGET', P .. 'weblogins', ARGV[2])
if not cur then return 0 end
local l = cjson.decode(cur)
l.passwordHash = ARGV[3]
redis.call('HSET', P .. 'weblogins', ARGV[2], cjson.encode(l))
return 1
`);

const DELETE_LUA = `
local P = ARGV[1]
local function deleteLogin(id)
  local cur = redis.call('HGET', P .. 'weblogins', id)
  if not cur then return 0 end
  local l = cjson.decode(cur)
  redis.call('HDEL', P .. 'weblogins', id)
  if redis.call('HGET', P .. 'webloginnames', l.username) == id then redis.call('HDEL', P .. 'webloginnames', l.username) end
  redis.call('SREM', P .. 'customer:' .. l.customerId .. ':weblogins', id)
  return 1
end
`;

/** ARGV: prefix, id. 1 deleted, 0 unknown. */
const DELETE = new LuaScript(`${DELETE_LUA}
return deleteLogin(ARGV[2])
`);

/** ARGV: prefix, customer id. The number deleted. */
const DELETE_CUSTOMER = new LuaScript(`${DELETE_LUA}
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', P .. 'customer:' .. ARGV[2] .. ':weblogins')) do n = n + deleteLogin(id) end
redis.call('DEL', P .. 'customer:' .. ARGV[2] .. ':weblogins')
return n
`);

export interface RedisWebLoginDeps {
  redis: Redis;
  prefix: string;
  run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<number>;
}

function parse(json: string | null): WebLogin | undefined {
  return json === null ? undefined : (JSON.parse(json) as WebLogin);
}

/** The Redis web sign-in repo; RedisStore calls deleteCustomer from its customer delete. */
export function redisWebLoginRepo({ redis, prefix, run }: RedisWebLoginDeps): WebLoginRepo & { deleteCustomer(customerId: string): Promise<void> } {
  const hash = prefix + 'weblogins';
  return {
    async create(l) {
      const login: WebLogin = { ...l, id: randomUUID(), createdAt: Date.now() };
      const result = await run(CREATE, [], [prefix, login.id, JSON.stringify(login)]);
      if (result === -1) throw new ConflictError('customerId', unknownCustomer(l.customerId));
      if (result === 0) throw new ConflictError('username', usernameTaken(l.username));
      return login;
    },
    get: async (id) => parse(await redis.hget(hash, id)),
    async findByUsername(username) {
      const id = await redis.hget(prefix + 'webloginnames', username);
      return id === null ? undefined : parse(await redis.hget(hash, id));
    },
    async list(customerId) {
      const values = customerId === undefined ? await redis.hvals(hash) : await idsToValues(await redis.smembers(`${prefix}customer:${customerId}:weblogins`));
      return values.map(parse).filter((l): l is WebLogin => l !== undefined).sort(byCreation);
    },
    async setPasswordHash(id, passwordHash) {
      if ((await run(SET_PASSWORD, [], [prefix, id, passwordHash])) !== 1) return undefined;
      return parse(await redis.hget(hash, id));
    },
    delete: async (id) => (await run(DELETE, [], [prefix, id])) === 1,
    async deleteCustomer(customerId) {
      await run(DELETE_CUSTOMER, [], [prefix, customerId]);
    },
  };

  async function idsToValues(ids: string[]): Promise<(string | null)[]> {
    return ids.length === 0 ? [] : redis.hmget(hash, ...ids);
  }
}
