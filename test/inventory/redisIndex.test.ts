/**
 * The inventory on Redis reads through its state/type indexes: records written before the
 * indexes existed (an upgrade) are indexed once, and the schedule finds lapsed reservations and a
 * deleted customer's numbers through them.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InventoryService } from '../../src/inventory/InventoryService.js';
import type { InventoryNumber } from '../../src/inventory/InventoryTypes.js';
import { silentLogger } from '../../src/logger.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let redis: TestRedis;
const open: { close(): Promise<void> | void }[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});
afterAll(async () => {
  await redis?.stop();
});

async function store(prefix: string): Promise<RedisStore> {
  const s = new RedisStore(redis.url, silentLogger(), { keyPrefix: prefix });
  open.push(s);
  if (!(await s.waitUntilReady(5000))) throw new Error('redis not ready');
  return s;
}

const stock = (e164: string, extra: Partial<InventoryNumber> = {}): InventoryNumber => ({
  id: e164,
  version: 1,
  type: '085',
  state: 'available',
  origin: 'stock',
  history: [{ to: 'available', at: 1, by: 'platform', reason: 'imported' }],
  createdAt: 1,
  ...extra,
});

describe('inventory indexes on Redis', () => {
  it('indexes records written before the indexes existed, once, and keeps them in step from then on', async () => {
    const prefix = `t:${randomUUID()}:`;
    const raw = new Redis(redis.url);
    open.push({ close: () => void raw.disconnect() });
    // The layout before this change: the hash and the customer sets only.
    await raw.hset(`${prefix}inv:numbers`, '+31858001000', JSON.stringify(stock('+31858001000')), '+31858001001', JSON.stringify(stock('+31858001001', { state: 'active', customerId: 'c1' })));
    const s = await store(prefix);
    expect((await s.inventory.numbers.listWhere({ state: 'available' })).map((n) => n.id)).toEqual(['+31858001000']);
    expect((await s.inventory.numbers.listWhere({ state: 'active', type: '085' })).map((n) => n.id)).toEqual(['+31858001001']);
    expect(await raw.get(`${prefix}inv:numbers:indexed`)).toBe('customerId,state,type');
    const n = (await s.inventory.numbers.get('+31858001000'))!;
    expect(await s.inventory.numbers.replace({ ...n, state: 'reserved', version: 2 })).toBe(true);
    expect(await s.inventory.numbers.listWhere({ state: 'available' })).toEqual([]);
    expect(await raw.smembers(`${prefix}inv:numbers:state:reserved`)).toEqual(['+31858001000']);
  });

  it("the schedule lapses a reservation and releases a deleted customer's numbers, read through the indexes", async () => {
    const s = await store(`t:${randomUUID()}:`);
    let now = Date.parse('2026-11-23T09:00:00Z');
    const inventory = new InventoryService({ store: s, logger: silentLogger(), options: { quarantineDays: 10 }, now: () => now });
    await inventory.importNumbers(
      [
        { e164: '+31858001000', type: '085', line: 2 },
        { e164: '+31858001001', type: '085', line: 3 },
      ],
      'platform',
    );
    const lapsing = await s.customers.create({ name: 'Twijfel BV', status: 'active', creditLimitCents: 10_000 });
    const leaving = await s.customers.create({ name: 'Weg BV', status: 'active', creditLimitCents: 10_000 });
    await inventory.createOrder({ customerId: lapsing.id, number: '0858001000', kind: 'direct', email: 'a@example.nl' }, 'platform');
    await inventory.assignDirect({ customerId: leaving.id, number: '0858001001', status: 'active' }, 'platform');
    expect((await inventory.search({ type: '085' }, 1, 10)).total).toBe(0);

    await s.customers.delete(leaving.id);
    now += 61 * 60_000;
    await inventory.tick();
    expect((await inventory.search({ type: '085' }, 1, 10)).items.map((n) => n.id)).toEqual(['+31858001000']);
    expect((await inventory.getNumber('+31858001000'))?.history.at(-1)).toMatchObject({ to: 'available', by: 'system', reason: 'reservation lapsed' });
    expect(await inventory.getNumber('+31858001001')).toMatchObject({ state: 'quarantined', quarantinedUntil: now + 10 * 86_400_000 });
    expect(await s.inventory.releases.list()).toEqual([]);
    expect((await inventory.search({ state: 'quarantined' }, 1, 10)).items.map((n) => n.id)).toEqual(['+31858001001']);
  });
});
