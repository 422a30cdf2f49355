/**
 * The demo number enters service through the inventory like any other, also when two app
 * instances seed one Redis at once, and a second start changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NUMBER, DEMO_PLAN_ID, DEMO_TARIFF, describeDemo, seedDemo } from '../../src/calls/demo.js';
import { InventoryService } from '../../src/inventory/InventoryService.js';
import { InventoryRefusal } from '../../src/inventory/orders.js';
import { silentLogger } from '../../src/logger.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let redis: TestRedis;
const opened: RedisStore[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await redis?.stop();
});

async function twoInstances(): Promise<[RedisStore, RedisStore]> {
  const keyPrefix = `demo:${randomUUID()}:`;
  const stores = [new RedisStore(redis.url, silentLogger(), { keyPrefix }), new RedisStore(redis.url, silentLogger(), { keyPrefix })];
  opened.push(...stores);
  for (const s of stores) if (!(await s.waitUntilReady(5000))) throw new Error('redis not ready');
  return [stores[0], stores[1]];
}

describe('the demo number goes through the inventory', () => {
  it('two instances seeding at once: one stock record, one order, one contract; a restart changes nothing', async () => {
    const [a, b] = await twoInstances();
    const secrets = new SecretBox(Buffer.alloc(32, 7));
    const seeds = await Promise.all([seedDemo(a, secrets, { password: 'demo-password-1' }), seedDemo(b, secrets, { password: 'demo-password-1' })]);
    expect(seeds.filter((s) => s.numberCreated)).toHaveLength(1);
    const customerId = seeds[0].customerId;
    const sn = await a.numbers.getByE164(DEMO_NUMBER);
    expect(sn).toMatchObject({ customerId, status: 'active', planId: DEMO_PLAN_ID, tariff: DEMO_TARIFF });
    const record = await b.inventory.numbers.get(DEMO_NUMBER);
    expect(record).toMatchObject({ state: 'active', customerId, type: '0909' });
    expect(record?.history.map((h) => [h.to, h.by])).toEqual([
      ['available', 'system'],
      ['reserved', 'system'],
      ['ordered', 'system'],
      ['active', 'system'],
    ]);
    expect(await a.inventory.orders.listByCustomer(customerId)).toEqual([expect.objectContaining({ kind: 'direct', status: 'active', numberId: sn!.id })]);
    expect(await a.inventory.contracts.listByCustomer(customerId)).toEqual([expect.objectContaining({ status: 'running', numberId: sn!.id })]);

    const again = await seedDemo(b, secrets);
    expect(again).toMatchObject({ customerId, numberCreated: false, createdAccounts: [] });
    expect(await a.inventory.orders.listByCustomer(customerId)).toHaveLength(1);
  });

  it('two direct assignments of one number at once: one wins, the other is refused with the reason', async () => {
    const [a, b] = await twoInstances();
    const c1 = await a.customers.create({ name: 'Een', status: 'active', creditLimitCents: 10_000 });
    const c2 = await a.customers.create({ name: 'Twee', status: 'active', creditLimitCents: 10_000 });
    const services = [a, b].map((store) => new InventoryService({ store, logger: silentLogger() }));
    const results = await Promise.allSettled([
      services[0].assignDirect({ customerId: c1.id, number: '0858001000', status: 'active' }, 'platform'),
      services[1].assignDirect({ customerId: c2.id, number: '0858001000', status: 'active' }, 'platform'),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toBeInstanceOf(InventoryRefusal);
    expect((lost[0].reason as InventoryRefusal).status).toBe(409);
    const winner = (await a.numbers.getByE164('+31858001000'))!.customerId;
    expect(await b.inventory.numbers.get('+31858001000')).toMatchObject({ state: 'active', customerId: winner });
    const orders = [...(await a.inventory.orders.listByCustomer(c1.id)), ...(await a.inventory.orders.listByCustomer(c2.id))];
    expect(orders).toEqual([expect.objectContaining({ customerId: winner, status: 'active' })]);
  });

  it('says why the demo number is not in service when the inventory refuses it', async () => {
    const [a] = await twoInstances();
    const secrets = new SecretBox(Buffer.alloc(32, 7));
    const first = await seedDemo(a, secrets, { password: 'demo-password-1' });
    await new InventoryService({ store: a, logger: silentLogger() }).endService(DEMO_NUMBER, 'platform');
    const seed = await seedDemo(a, secrets);
    expect(seed).toMatchObject({ customerId: first.customerId, numberCreated: false, numberRefused: expect.stringMatching(/^\+319091234567 is not available: it is quarantined until /) });
    expect(describeDemo(seed, '127.0.0.1:5060')[0]).toMatch(/^demo number 09091234567 not put in service: \+319091234567 is not available: it is quarantined/);
  });
});
