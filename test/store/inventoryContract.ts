/**
 * What every store promises about the inventory tables (src/inventory/InventoryTypes.ts
 * RecordTable): insert-if-new, compare-and-set writes on the version, the customer index, and the
 * customer cascade. test/store/memory.test.ts and redis.test.ts run it next to the main contract.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { InventoryService } from '../../src/inventory/InventoryService.js';
import type { InventoryNumber, Order } from '../../src/inventory/InventoryTypes.js';
import { silentLogger } from '../../src/logger.js';
import type { Store } from '../../src/store/StoreTypes.js';

export type OpenStore = (namespace: string) => Promise<Store>;

export function defineInventoryContract(name: string, open: OpenStore): void {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all([...new Set(opened.splice(0))].map((s) => s.close()));
  });

  async function fresh(): Promise<{ store: Store; peer: () => Promise<Store> }> {
    const ns = randomUUID();
    const openTracked = async (): Promise<Store> => {
      const s = await open(ns);
      opened.push(s);
      return s;
    };
    return { store: await openTracked(), peer: openTracked };
  }

  const stock = (e164: string, extra: Partial<InventoryNumber> = {}): InventoryNumber => ({
    id: e164,
    version: 1,
    type: '085',
    state: 'available',
    origin: 'stock',
    history: [{ to: 'available', at: 1, by: 'platform' }],
    createdAt: 1,
    ...extra,
  });

  const order = (customerId: string, extra: Partial<Order> = {}): Order => ({
    id: randomUUID(),
    version: 1,
    customerId,
    e164: '+31858001000',
    type: '085',
    kind: 'direct',
    status: 'reserved',
    email: 'inkoop@example.nl',
    createdAt: 1,
    createdBy: 'platform',
    history: [{ status: 'reserved', at: 1, by: 'platform' }],
    ...extra,
  });

  describe(`${name}: inventory`, () => {
    it('inserts only new records and reports the ones already there, untouched', async () => {
      const { store } = await fresh();
      expect(await store.inventory.numbers.insert([stock('+31858001000'), stock('+31858001001')])).toEqual([]);
      const again = await store.inventory.numbers.insert([stock('+31858001001', { state: 'reserved' }), stock('+31858001002')]);
      expect(again).toEqual(['+31858001001']);
      expect((await store.inventory.numbers.get('+31858001001'))?.state).toBe('available');
      expect((await store.inventory.numbers.list()).map((n) => n.id).sort()).toEqual(['+31858001000', '+31858001001', '+31858001002']);
      expect((await store.inventory.numbers.getMany(['+31858001002', '+31858009999'])).map((n) => n?.id)).toEqual(['+31858001002', undefined]);
    });

    it('writes only on top of the version it read: of two instances changing one number, one wins', async () => {
      const { store, peer } = await fresh();
      const other = await peer();
      await store.inventory.numbers.insert([stock('+31858001000')]);
      const a = await store.inventory.numbers.get('+31858001000');
      const b = await other.inventory.numbers.get('+31858001000');
      const results = await Promise.all([
        store.inventory.numbers.replace({ ...a!, state: 'reserved', customerId: 'c1', version: 2 }),
        other.inventory.numbers.replace({ ...b!, state: 'reserved', customerId: 'c2', version: 2 }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? 'c1' : 'c2';
      expect((await other.inventory.numbers.get('+31858001000'))?.customerId).toBe(winner);
      expect(await store.inventory.numbers.replace({ ...a!, version: 2 })).toBe(false);
      expect(await store.inventory.numbers.replace(stock('+31858009999', { version: 2 }))).toBe(false);
    });

    it("keeps the customer index in step as a record changes hands, and on delete", async () => {
      const { store } = await fresh();
      await store.inventory.numbers.insert([stock('+31858001000'), stock('+31858001001', { customerId: 'c1' })]);
      expect((await store.inventory.numbers.listByCustomer('c1')).map((n) => n.id)).toEqual(['+31858001001']);
      const n = (await store.inventory.numbers.get('+31858001000'))!;
      expect(await store.inventory.numbers.replace({ ...n, customerId: 'c1', version: 2 })).toBe(true);
      expect((await store.inventory.numbers.listByCustomer('c1')).map((x) => x.id).sort()).toEqual(['+31858001000', '+31858001001']);
      const held = (await store.inventory.numbers.get('+31858001000'))!;
      const { customerId: _gone, ...released } = held;
      expect(await store.inventory.numbers.replace({ ...released, version: 3 })).toBe(true);
      expect(await store.inventory.numbers.delete('+31858001001')).toBe(true);
      expect(await store.inventory.numbers.delete('+31858001001')).toBe(false);
      expect(await store.inventory.numbers.listByCustomer('c1')).toEqual([]);
    });

    it('keeps the state and type indexes in step through inserts, transitions and deletes', async () => {
      const { store, peer } = await fresh();
      const other = await peer();
      const ids = (ns: { id: string }[]): string[] => ns.map((n) => n.id).sort();
      await store.inventory.numbers.insert([stock('+31858001000'), stock('+31858001001'), stock('+319091110000', { type: '0909', tariff: { perMinuteCents: 80 } })]);
      // An insert of an id already there leaves the index as it was.
      await store.inventory.numbers.insert([stock('+31858001001', { state: 'quarantined', type: '088' })]);
      expect(ids(await store.inventory.numbers.listWhere({ state: 'available' }))).toEqual(['+31858001000', '+31858001001', '+319091110000']);
      expect(ids(await other.inventory.numbers.listWhere({ state: 'available', type: '085' }))).toEqual(['+31858001000', '+31858001001']);
      expect(await store.inventory.numbers.listWhere({ state: 'quarantined' })).toEqual([]);
      expect(await store.inventory.numbers.listWhere({ type: '088' })).toEqual([]);

      const n = (await other.inventory.numbers.get('+31858001000'))!;
      expect(await other.inventory.numbers.replace({ ...n, state: 'reserved', customerId: 'c1', version: 2 })).toBe(true);
      expect(ids(await store.inventory.numbers.listWhere({ state: 'available', type: '085' }))).toEqual(['+31858001001']);
      expect(await store.inventory.numbers.listWhere({ state: 'reserved' })).toEqual([expect.objectContaining({ id: '+31858001000', state: 'reserved', customerId: 'c1' })]);
      // A refused write (stale version) moves nothing.
      expect(await store.inventory.numbers.replace({ ...n, state: 'active', version: 2 })).toBe(false);
      expect(await store.inventory.numbers.listWhere({ state: 'active' })).toEqual([]);

      expect(await store.inventory.numbers.delete('+31858001000')).toBe(true);
      expect(await other.inventory.numbers.listWhere({ state: 'reserved' })).toEqual([]);
      expect(await other.inventory.numbers.listWhere({ state: 'reserved', type: '085' })).toEqual([]);
      expect(ids(await other.inventory.numbers.listWhere({ type: '0909' }))).toEqual(['+319091110000']);
      await expect(store.inventory.numbers.listWhere({ origin: 'stock' } as never)).rejects.toThrow('listWhere: origin is not an indexed field');
      expect((await other.inventory.numbers.idsWhere({ state: 'available' })).sort()).toEqual(['+31858001001', '+319091110000']);
      expect(await other.inventory.numbers.idsWhere({ state: 'available', type: '0909' })).toEqual(['+319091110000']);
      expect(await other.inventory.numbers.idsWhere({ state: 'quarantined', type: '0909' })).toEqual([]);
    });

    it('indexes contracts and tariff changes by status', async () => {
      const { store } = await fresh();
      const change = (id: string, status: 'pending' | 'applied') => ({
        id,
        version: 1,
        customerId: 'c1',
        numberId: 'n1',
        e164: '+319091110000',
        tariff: { perMinuteCents: 80 },
        requestedAt: 1,
        requestedBy: 'platform',
        effectiveOn: '2026-11-30',
        effectiveAt: 2,
        status,
      });
      await store.inventory.tariffChanges.insert([change('t1', 'pending'), change('t2', 'applied'), change('t3', 'pending')]);
      expect((await store.inventory.tariffChanges.listWhere({ status: 'pending' })).map((c) => c.id).sort()).toEqual(['t1', 't3']);
      const t1 = (await store.inventory.tariffChanges.get('t1'))!;
      expect(await store.inventory.tariffChanges.replace({ ...t1, status: 'applied', version: 2 })).toBe(true);
      expect((await store.inventory.tariffChanges.listWhere({ status: 'pending' })).map((c) => c.id)).toEqual(['t3']);
      expect((await store.inventory.tariffChanges.listWhere({ status: 'applied' })).map((c) => c.id).sort()).toEqual(['t1', 't2']);
    });

    it("deleting a customer deletes its orders, contracts and tariff changes, and nobody else's", async () => {
      const { store } = await fresh();
      const gone = await store.customers.create({ name: 'Weg BV', status: 'active', creditLimitCents: 10_000 });
      const stays = await store.customers.create({ name: 'Blijft BV', status: 'active', creditLimitCents: 10_000 });
      await store.inventory.orders.insert([order(gone.id), order(gone.id), order(stays.id)]);
      await store.inventory.numbers.insert([stock('+31858001000', { state: 'active', customerId: gone.id })]);
      expect(await store.customers.delete(gone.id)).toBe(true);
      expect(await store.inventory.orders.listByCustomer(gone.id)).toEqual([]);
      expect((await store.inventory.orders.list()).map((o) => o.customerId)).toEqual([stays.id]);
      // The number stays until the inventory schedule quarantines it (it knows the quarantine period);
      // the release entry tells the schedule whose numbers to look at.
      expect((await store.inventory.numbers.get('+31858001000'))?.state).toBe('active');
      expect((await store.inventory.releases.list()).map((r) => r.id)).toEqual([gone.id]);
      expect(await store.customers.delete(stays.id)).toBe(true);
      expect((await store.inventory.releases.list()).map((r) => r.id)).toEqual([gone.id]);
    });

    it('customers deleted before deletes left a release entry: the start writes one, and the schedule then frees their numbers', async () => {
      const { store } = await fresh();
      const now = Date.parse('2026-11-23T09:00:00Z');
      const inventory = new InventoryService({ store, logger: silentLogger(), options: { quarantineDays: 10 }, now: () => now });
      const gone = await store.customers.create({ name: 'Lang Geleden Weg BV', status: 'active', creditLimitCents: 10_000 });
      const stays = await store.customers.create({ name: 'Blijft BV', status: 'active', creditLimitCents: 10_000 });
      await store.inventory.numbers.insert([
        stock('+31858001000', { state: 'active', customerId: gone.id, orderId: 'o1' }),
        stock('+31858001001', { state: 'reserved', customerId: gone.id, orderId: 'o2', reservedUntil: now + 3_600_000 }),
        stock('+31858001002', { state: 'active', customerId: stays.id, orderId: 'o3' }),
      ]);
      expect(await store.customers.delete(gone.id)).toBe(true);
      // Deleted by a version that wrote no release entry.
      await store.inventory.releases.delete(gone.id);
      await inventory.tick();
      expect((await store.inventory.numbers.get('+31858001000'))?.state).toBe('active');

      expect(await inventory.adoptServiceNumbers()).toBe(0);
      expect((await store.inventory.releases.list()).map((r) => r.id)).toEqual([gone.id]);
      expect(await inventory.adoptServiceNumbers()).toBe(0);
      expect((await store.inventory.releases.list()).map((r) => r.id)).toEqual([gone.id]);

      await inventory.tick();
      expect(await store.inventory.numbers.get('+31858001000')).toMatchObject({ state: 'quarantined', quarantinedUntil: now + 10 * 86_400_000 });
      const back = await store.inventory.numbers.get('+31858001001');
      expect(back?.state).toBe('available');
      expect(back).not.toHaveProperty('customerId');
      expect(await store.inventory.numbers.get('+31858001002')).toMatchObject({ state: 'active', customerId: stays.id });
      expect(await store.inventory.releases.list()).toEqual([]);
    });

    it('takes a block of 10,000 numbers in one insert', async () => {
      const { store } = await fresh();
      const block = Array.from({ length: 10_000 }, (_, i) => stock(`+3185800${String(i).padStart(4, '0')}`));
      expect(await store.inventory.numbers.insert(block)).toEqual([]);
      expect(await store.inventory.numbers.list()).toHaveLength(10_000);
      expect((await store.inventory.numbers.get('+31858009999'))?.state).toBe('available');
    });
  });
}
