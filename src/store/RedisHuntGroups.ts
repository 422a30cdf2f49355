import type { Redis } from 'ioredis';
import type { HuntGroupStateRepo, HuntMemory } from './StoreTypes.js';

/**
 * Records an activity time unless a later one is stored. KEYS: the customer's hunt hash.
 * ARGV: member field, time, and optionally the group's pointer field and member.
 */
const TOUCH = `
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if ARGV[3] then redis.call('HSET', KEYS[1], ARGV[3], ARGV[4]) end
return 1
`;

/**
 * Hunt group state in Redis: one hash per customer, `P hunt:<customerId>`, with a field
 * `last:<group>` (the round-robin pointer) and `idle:<member>` (last activity, ms) each, so
 * deleting the customer deletes it in one DEL (redisScripts.ts DELETE_CUSTOMER).
 */
export class RedisHuntGroups implements HuntGroupStateRepo {
  constructor(
    private readonly redis: Redis,
    private readonly hashKey: (customerId: string) => string,
  ) {}

  async get(customerId: string, group: string, members: readonly string[]): Promise<HuntMemory> {
    const values = await this.redis.hmget(this.hashKey(customerId), `last:${group}`, ...members.map((m) => `idle:${m}`));
    const lastActivity: Record<string, number> = {};
    members.forEach((m, i) => {
      const v = values[i + 1];
      if (v !== null && v !== undefined) lastActivity[m] = Number(v);
    });
    const last = values[0];
    return last === null || last === undefined ? { lastActivity } : { lastAnswered: last, lastActivity };
  }

  async answered(customerId: string, group: string, member: string, at: number): Promise<void> {
    await this.redis.eval(TOUCH, 1, this.hashKey(customerId), `idle:${member}`, at, `last:${group}`, member);
  }

  async ended(customerId: string, member: string, at: number): Promise<void> {
    await this.redis.eval(TOUCH, 1, this.hashKey(customerId), `idle:${member}`, at);
  }
}
