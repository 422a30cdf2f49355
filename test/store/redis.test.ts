import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { defineStoreContract } from './contract.js';
import { defineDeviceContract } from './deviceContract.js';
import { defineHuntGroupContract } from './huntGroupsContract.js';
import { defineVoicemailContract } from '../voicemail/storeContract.js';
import { defineInventoryContract } from './inventoryContract.js';
import { defineBillingContract } from './billingContract.js';
import { defineWebLoginContract } from './webLoginContract.js';

const logger = silentLogger();
/** This file's keys; each contract test adds its own namespace below it. */
const FILE_PREFIX = `test:${randomUUID()}:`;

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function openRedisStore(keyPrefix: string): Promise<RedisStore> {
  const store = new RedisStore(redis.url, logger, { keyPrefix });
  if (!(await store.waitUntilReady(5000))) throw new Error(`test redis at ${redis.url} not ready`);
  return store;
}

// Every call opens a new client: stores on one namespace are separate app instances on one Redis.
defineStoreContract('redis store', (namespace) => openRedisStore(`${FILE_PREFIX}${namespace}:`));
defineDeviceContract('redis store', (namespace) => openRedisStore(`${FILE_PREFIX}${namespace}:`));
defineHuntGroupContract('redis store', (namespace) => openRedisStore(`${FILE_PREFIX}${namespace}:`));
defineVoicemailContract('redis store', (namespace) => openRedisStore(`${FILE_PREFIX}${namespace}:`));
defineInventoryContract('redis store', (namespace) => openRedisStore(`${FILE_PREFIX}${namespace}:`));
defineBillingContract('redis store', (namespace) => openRedisStore(`${FILE_PREFIX}${namespace}:`));
defineWebLoginContract('redis store', (namespace) => openRedisStore(`${FILE_PREFIX}${namespace}:`));

describe('redis store: keys and scripts', () => {
  it('writes every key under its prefix and sees nothing of another prefix', async () => {
    const prefix = `${FILE_PREFIX}${randomUUID()}:`;
    const store = await openRedisStore(prefix);
    const neighbour = await openRedisStore(`${FILE_PREFIX}${randomUUID()}:`);
    const raw = new Redis(redis.url);
    try {
      const c = await store.customers.create({ name: 'Prefix BV', status: 'active', creditLimitCents: 10_000 });
      const a = await store.accounts.create({
        customerId: c.id,
        username: '1001',
        displayName: '1001',
        passwordEnc: 'v1:x',
        channelLimit: 2,
      });
      await store.tokens.save({ id: randomUUID(), hash: 'h', role: 'gebruiker', customerId: c.id, accountId: a.id, label: 't', createdAt: 1 });
      await store.locations.save({
        accountId: a.id,
        contact: 'sip:1001@10.0.0.1',
        source: { protocol: 'udp', host: '127.0.0.1', port: 5070 },
        callId: 'c',
        cseq: 1,
        expiresAt: Date.now() + 60_000,
      });
      await store.leases.acquire(`account:${a.id}`, 'call-1', 2, 60_000);
      await store.counters.hit('auth-fail:192.0.2.1', 60_000);
      await store.counters.setFlag('blocked:192.0.2.1', 60_000);
      await store.counters.raiseIfHigher('nc:n', 1, 60_000);
      const plan = await store.plans.create({ customerId: c.id, name: 'Hoofdnummer' });
      await store.plans.addVersion(plan.id, { name: 'Hoofdnummer' }, 'platform');
      await store.numbers.create({ customerId: c.id, e164: '+318001234', type: '0800', status: 'active', planId: plan.id });

      const keys = await raw.keys(`${FILE_PREFIX}*`);
      const ours = keys.filter((k) => k.startsWith(prefix));
      expect(ours.length).toBeGreaterThanOrEqual(20);
      expect((await raw.keys('*')).filter((k) => !k.startsWith(FILE_PREFIX))).toEqual([]);

      expect(await neighbour.customers.list()).toEqual([]);
      expect(await neighbour.accounts.getByUsername('1001')).toBeUndefined();
      expect(await neighbour.leases.count(`account:${a.id}`)).toBe(0);
      expect(await neighbour.numbers.getByE164('+318001234')).toBeUndefined();
      expect(await neighbour.plans.list()).toEqual([]);
      expect(await neighbour.counters.hasFlag('blocked:192.0.2.1')).toBe(false);
    } finally {
      raw.disconnect();
      await store.close();
      await neighbour.close();
    }
  });

  it('reloads its scripts after Redis forgot them (SCRIPT FLUSH, or a restarted Redis)', async () => {
    const store = await openRedisStore(`${FILE_PREFIX}${randomUUID()}:`);
    const raw = new Redis(redis.url);
    try {
      expect(await store.leases.acquire('k', 'call-1', 1, 60_000)).toBe(true);
      await raw.script('FLUSH');
      expect(await store.leases.acquire('k', 'call-2', 1, 60_000)).toBe(false);
      expect(await store.leases.count('k')).toBe(1);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('gives each lease key an expiry, so an abandoned key does not stay forever', async () => {
    const prefix = `${FILE_PREFIX}${randomUUID()}:`;
    const store = await openRedisStore(prefix);
    const raw = new Redis(redis.url);
    try {
      await store.leases.acquire('k', 'call-1', 2, 60_000);
      await store.counters.hit('h', 60_000);
      for (const key of [`${prefix}lease:k`, `${prefix}hits:h`]) {
        const ttl = await raw.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(61_000);
      }
    } finally {
      raw.disconnect();
      await store.close();
    }
  });
});
