import type { Redis } from 'ioredis';
import { foreignAccount, macTaken, type Device, type DeviceRepo } from '../provisioning/DeviceTypes.js';
import { DEVICE_LUA } from './deviceLua.js';
import { newDevice, patchDevice } from './deviceRecords.js';
import { byCreation, unknownCustomer } from './records.js';
import { LuaScript } from './redisScripts.js';
import { ConflictError } from './StoreTypes.js';

const PRELUDE = `
local P = ARGV[1]
local function str(v) return type(v) == 'string' end
${DEVICE_LUA}
-- 1 when every line is an account of customer cid.
local function linesOk(d, cid)
  for _, aid in ipairs(deviceLines(d)) do
    local json = redis.call('HGET', P .. 'accounts', aid)
    if not json or cjson.decode(json).customerId ~= cid then return 0 end
  end
  return 1
end
`;

/** ARGV: prefix, id, JSON. 1 created, 0 MAC taken, -1 unknown customer, -3 a line names a foreign account. */
const CREATE_DEVICE = new LuaScript(`${PRELUDE}
local id = ARGV[2]
local d = cjson.decode(ARGV[3])
if redis.call('HEXISTS', P .. 'customers', d.customerId) == 0 then return -1 end
if linesOk(d, d.customerId) == 0 then return -3 end
if str(d.mac) and redis.call('HSETNX', P .. 'macs', d.mac, id) == 0 then return 0 end
redis.call('HSET', P .. 'devices', id, ARGV[3])
redis.call('SADD', P .. 'customer:' .. d.customerId .. ':devices', id)
for _, aid in ipairs(deviceLines(d)) do redis.call('SADD', P .. 'account:' .. aid .. ':devices', id) end
return 1
`);

/** ARGV: prefix, id, expected JSON, new JSON. 1 done, 0 unknown id, -1 MAC taken, -2 changed meanwhile, -3 foreign account. */
const UPDATE_DEVICE = new LuaScript(`${PRELUDE}
local id = ARGV[2]
local cur = redis.call('HGET', P .. 'devices', id)
if not cur then return 0 end
if cur ~= ARGV[3] then return -2 end
local old = cjson.decode(cur)
local new = cjson.decode(ARGV[4])
if linesOk(new, old.customerId) == 0 then return -3 end
if old.mac ~= new.mac then
  if str(new.mac) and redis.call('HSETNX', P .. 'macs', new.mac, id) == 0 then return -1 end
  if str(old.mac) and redis.call('HGET', P .. 'macs', old.mac) == id then redis.call('HDEL', P .. 'macs', old.mac) end
end
for _, aid in ipairs(deviceLines(old)) do redis.call('SREM', P .. 'account:' .. aid .. ':devices', id) end
for _, aid in ipairs(deviceLines(new)) do redis.call('SADD', P .. 'account:' .. aid .. ':devices', id) end
redis.call('HSET', P .. 'devices', id, ARGV[4])
return 1
`);

/** ARGV: prefix, id. 1 deleted, 0 unknown. */
const DELETE_DEVICE = new LuaScript(`${PRELUDE}
return deleteDevice(ARGV[2])
`);

const MAX_UPDATE_ATTEMPTS = 20;

export interface RedisDeviceDeps {
  redis: Redis;
  prefix: string;
  run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<number>;
}

/** A stored device; a record whose `lines` Lua re-encoded as {} (empty) reads as []. */
function parse(json: string): Device {
  const d = JSON.parse(json) as Device;
  return Array.isArray(d.lines) ? d : { ...d, lines: [] };
}

function parseAll(values: (string | null)[]): Device[] {
  return values.filter((v): v is string => v !== null).map(parse).sort(byCreation);
}

/** The Redis device repo (key layout in deviceLua.ts). */
export function redisDeviceRepo({ redis, prefix, run }: RedisDeviceDeps): DeviceRepo {
  const hash = prefix + 'devices';
  const read = async (id: string): Promise<Device | undefined> => {
    const v = await redis.hget(hash, id);
    return v === null ? undefined : parse(v);
  };
  const byIds = async (ids: string[]): Promise<Device[]> => (ids.length === 0 ? [] : parseAll(await redis.hmget(hash, ...ids)));
  return {
    create: async (d) => {
      const device = newDevice(d);
      const result = await run(CREATE_DEVICE, [], [prefix, device.id, JSON.stringify(device)]);
      if (result === 0) throw new ConflictError('mac', macTaken(device.mac ?? ''));
      if (result === -1) throw new ConflictError('customerId', unknownCustomer(device.customerId));
      if (result === -3) throw new ConflictError('lines', foreignAccount(device.lines.join(', ')));
      return device;
    },
    get: read,
    getByMac: async (mac) => {
      const id = await redis.hget(prefix + 'macs', mac);
      return id === null ? undefined : read(id);
    },
    list: async (customerId) =>
      customerId === undefined ? parseAll(await redis.hvals(hash)) : byIds(await redis.smembers(`${prefix}customer:${customerId}:devices`)),
    listByAccount: async (accountId) => byIds(await redis.smembers(`${prefix}account:${accountId}:devices`)),
    update: async (id, patch) => {
      for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
        const cur = await redis.hget(hash, id);
        if (cur === null) return undefined;
        const next = patchDevice(parse(cur), patch);
        const result = await run(UPDATE_DEVICE, [], [prefix, id, cur, JSON.stringify(next)]);
        if (result === 1) return next;
        if (result === 0) return undefined;
        if (result === -1) throw new ConflictError('mac', macTaken(next.mac ?? ''));
        if (result === -3) throw new ConflictError('lines', foreignAccount(next.lines.join(', ')));
      }
      throw new Error(`could not update ${hash} ${id}: changed concurrently ${MAX_UPDATE_ATTEMPTS} times`);
    },
    delete: async (id) => (await run(DELETE_DEVICE, [], [prefix, id])) === 1,
  };
}
