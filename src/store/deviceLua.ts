/**
 * Lua helpers for device records, shared by the device scripts (redisDeviceScripts.ts) and the
 * customer and account deletes (redisScripts.ts), which cascade to devices. Plain text with no
 * imports, so both script files can include it. Expects `P` (the key prefix) and `str` in scope.
 *
 * Keys: P devices (hash id → JSON), P macs (hash MAC → id), P customer:<id>:devices and
 * P account:<id>:devices (sets of device ids).
 *
 * cjson encodes an empty Lua table as {}: readers treat a non-array `lines` as no lines.
 */
export const DEVICE_LUA = `
local function deviceLines(d)
  if type(d.lines) ~= 'table' then return {} end
  return d.lines
end
local function deleteDevice(id)
  local json = redis.call('HGET', P .. 'devices', id)
  if not json then return 0 end
  local d = cjson.decode(json)
  redis.call('HDEL', P .. 'devices', id)
  if str(d.mac) and redis.call('HGET', P .. 'macs', d.mac) == id then redis.call('HDEL', P .. 'macs', d.mac) end
  redis.call('SREM', P .. 'customer:' .. d.customerId .. ':devices', id)
  for _, aid in ipairs(deviceLines(d)) do redis.call('SREM', P .. 'account:' .. aid .. ':devices', id) end
  return 1
end
local function unbindAccountDevices(aid)
  for _, did in ipairs(redis.call('SMEMBERS', P .. 'account:' .. aid .. ':devices')) do
    local json = redis.call('HGET', P .. 'devices', did)
    if json then
      local d = cjson.decode(json)
      local kept = {}
      for _, l in ipairs(deviceLines(d)) do if l ~= aid then kept[#kept + 1] = l end end
      d.lines = kept
      redis.call('HSET', P .. 'devices', did, cjson.encode(d))
    end
  end
  redis.call('DEL', P .. 'account:' .. aid .. ':devices')
end
local function deleteCustomerDevices(cid)
  for _, did in ipairs(redis.call('SMEMBERS', P .. 'customer:' .. cid .. ':devices')) do deleteDevice(did) end
  redis.call('DEL', P .. 'customer:' .. cid .. ':devices')
end
`;
