import type { Redis } from 'ioredis';
import { ConflictError } from '../store/StoreTypes.js';
import { byCreation, unknownCustomer } from '../store/records.js';
import { boxNameTaken, byReceipt, newVoicemailBox, newVoicemailMessage, patchVoicemailBox, unknownBox } from './voicemailRecords.js';
import type { NewVoicemailBox, NewVoicemailMessage, VoicemailBox, VoicemailBoxPatch, VoicemailMessage, VoicemailRepo } from './VoicemailTypes.js';

/*
 * Key layout (P = the store's key prefix):
 *   P vmboxes                       hash box id → JSON box
 *   P vmboxnames:<customerId>       hash box name → box id (names are unique per customer)
 *   P customer:<id>:vmboxes         set of the customer's box ids (customer delete cascades)
 *   P vmbox:<boxId>:messages        hash message id → JSON message
 * Scripts keep the name index and the box in step when several app instances write at once.
 */

const CREATE_BOX = `
local p = ARGV[1]
if redis.call('HEXISTS', p .. 'customers', ARGV[2]) == 0 then return -1 end
if redis.call('HSETNX', p .. 'vmboxnames:' .. ARGV[2], ARGV[4], ARGV[3]) == 0 then return 0 end
redis.call('HSET', p .. 'vmboxes', ARGV[3], ARGV[5])
redis.call('SADD', p .. 'customer:' .. ARGV[2] .. ':vmboxes', ARGV[3])
return 1`;

/** ARGV: prefix, id, expected JSON, next JSON, customerId, old name, new name. -2: changed meanwhile. */
const UPDATE_BOX = `
local p = ARGV[1]
local cur = redis.call('HGET', p .. 'vmboxes', ARGV[2])
if not cur then return 0 end
if cur ~= ARGV[3] then return -2 end
local names = p .. 'vmboxnames:' .. ARGV[5]
if ARGV[6] ~= ARGV[7] then
  if redis.call('HSETNX', names, ARGV[7], ARGV[2]) == 0 then return -1 end
  redis.call('HDEL', names, ARGV[6])
end
redis.call('HSET', p .. 'vmboxes', ARGV[2], ARGV[4])
return 1`;

const DELETE_BOX = `
local p = ARGV[1]
local cur = redis.call('HGET', p .. 'vmboxes', ARGV[2])
if not cur then return 0 end
local b = cjson.decode(cur)
redis.call('HDEL', p .. 'vmboxes', ARGV[2])
redis.call('SREM', p .. 'customer:' .. b.customerId .. ':vmboxes', ARGV[2])
local names = p .. 'vmboxnames:' .. b.customerId
if redis.call('HGET', names, b.name) == ARGV[2] then redis.call('HDEL', names, b.name) end
redis.call('DEL', p .. 'vmbox:' .. ARGV[2] .. ':messages')
return 1`;

const ADD_MESSAGE = `
local p = ARGV[1]
if redis.call('HEXISTS', p .. 'vmboxes', ARGV[2]) == 0 then return 0 end
redis.call('HSET', p .. 'vmbox:' .. ARGV[2] .. ':messages', ARGV[3], ARGV[4])
return 1`;

/** Compare-and-set of one hash field: 1 written, 0 gone, -2 changed meanwhile. */
const SET_IF_UNCHANGED = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
if cur ~= ARGV[2] then return -2 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

const MAX_ATTEMPTS = 20;

function parseAll<T>(values: (string | null)[]): T[] {
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as T);
}

/** Voicemail records of the Redis store, shared by every app instance. */
export class RedisVoicemailRepo implements VoicemailRepo {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  private async run(script: string, keys: string[], args: (string | number)[]): Promise<number> {
    return (await this.redis.eval(script, keys.length, ...keys, ...args)) as number;
  }

  async createBox(b: NewVoicemailBox): Promise<VoicemailBox> {
    const box = newVoicemailBox(b);
    const r = await this.run(CREATE_BOX, [], [this.prefix, box.customerId, box.id, box.name, JSON.stringify(box)]);
    if (r === -1) throw new ConflictError('customerId', unknownCustomer(box.customerId));
    if (r === 0) throw new ConflictError('name', boxNameTaken(box.name));
    return box;
  }

  async getBox(id: string): Promise<VoicemailBox | undefined> {
    const v = await this.redis.hget(this.key('vmboxes'), id);
    return v === null ? undefined : (JSON.parse(v) as VoicemailBox);
  }

  async getBoxByName(customerId: string, name: string): Promise<VoicemailBox | undefined> {
    const id = await this.redis.hget(this.key('vmboxnames', customerId), name);
    return id === null ? undefined : this.getBox(id);
  }

  async listBoxes(customerId?: string): Promise<VoicemailBox[]> {
    const hash = this.key('vmboxes');
    if (customerId === undefined) return parseAll<VoicemailBox>(await this.redis.hvals(hash)).sort(byCreation);
    const ids = await this.redis.smembers(this.key('customer', customerId, 'vmboxes'));
    if (ids.length === 0) return [];
    return parseAll<VoicemailBox>(await this.redis.hmget(hash, ...ids)).sort(byCreation);
  }

  async updateBox(id: string, patch: VoicemailBoxPatch): Promise<VoicemailBox | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cur = await this.redis.hget(this.key('vmboxes'), id);
      if (cur === null) return undefined;
      const box = JSON.parse(cur) as VoicemailBox;
      const next = patchVoicemailBox(box, patch);
      const r = await this.run(UPDATE_BOX, [], [this.prefix, id, cur, JSON.stringify(next), box.customerId, box.name, next.name]);
      if (r === 1) return next;
      if (r === 0) return undefined;
      if (r === -1) throw new ConflictError('name', boxNameTaken(next.name));
    }
    throw new Error(`could not update voicemail box ${id}: changed concurrently ${MAX_ATTEMPTS} times`);
  }

  async deleteBox(id: string): Promise<boolean> {
    return (await this.run(DELETE_BOX, [], [this.prefix, id])) === 1;
  }

  async deleteCustomerBoxes(customerId: string): Promise<string[]> {
    const ids = await this.redis.smembers(this.key('customer', customerId, 'vmboxes'));
    for (const id of ids) await this.deleteBox(id);
    await this.redis.del(this.key('customer', customerId, 'vmboxes'), this.key('vmboxnames', customerId));
    return ids;
  }

  async addMessage(m: NewVoicemailMessage): Promise<VoicemailMessage> {
    const message = newVoicemailMessage(m);
    const r = await this.run(ADD_MESSAGE, [], [this.prefix, message.boxId, message.id, JSON.stringify(message)]);
    if (r === 0) throw new ConflictError('boxId', unknownBox(message.boxId));
    return message;
  }

  async getMessage(boxId: string, id: string): Promise<VoicemailMessage | undefined> {
    const v = await this.redis.hget(this.key('vmbox', boxId, 'messages'), id);
    return v === null ? undefined : (JSON.parse(v) as VoicemailMessage);
  }

  async listMessages(boxId: string): Promise<VoicemailMessage[]> {
    return parseAll<VoicemailMessage>(await this.redis.hvals(this.key('vmbox', boxId, 'messages'))).sort(byReceipt);
  }

  async setHeard(boxId: string, id: string, heard: boolean): Promise<VoicemailMessage | undefined> {
    const hash = this.key('vmbox', boxId, 'messages');
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cur = await this.redis.hget(hash, id);
      if (cur === null) return undefined;
      const next: VoicemailMessage = { ...(JSON.parse(cur) as VoicemailMessage), heard };
      const r = await this.run(SET_IF_UNCHANGED, [hash], [id, cur, JSON.stringify(next)]);
      if (r === 1) return next;
      if (r === 0) return undefined;
    }
    throw new Error(`could not update voicemail message ${id}: changed concurrently ${MAX_ATTEMPTS} times`);
  }

  async deleteMessage(boxId: string, id: string): Promise<boolean> {
    return (await this.redis.hdel(this.key('vmbox', boxId, 'messages'), id)) === 1;
  }
}
