/**
 * The device repo's promises, run against both stores (memory.test.ts, redis.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewDevice } from '../../src/provisioning/DeviceTypes.js';
import { ConflictError, type Store } from '../../src/store/StoreTypes.js';
import type { OpenStore } from './contract.js';

export function defineDeviceContract(name: string, open: OpenStore): void {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  async function fresh(): Promise<{ store: Store; peer: () => Promise<Store> }> {
    const ns = randomUUID();
    const track = async (): Promise<Store> => {
      const s = await open(ns);
      opened.push(s);
      return s;
    };
    return { store: await track(), peer: track };
  }
  async function customerWithAccounts(store: Store, ...usernames: string[]): Promise<{ customerId: string; accountIds: string[] }> {
    const c = await store.customers.create({ name: `Klant ${randomUUID()}`, status: 'active', creditLimitCents: 10_000 });
    const accountIds: string[] = [];
    for (const username of usernames) {
      const a = await store.accounts.create({ customerId: c.id, username: `${username}-${c.id.slice(0, 8)}`, displayName: username, passwordEnc: 'v1:x', channelLimit: 2 });
      accountIds.push(a.id);
    }
    return { customerId: c.id, accountIds };
  }
  const device = (customerId: string, lines: string[], extra: Partial<NewDevice> = {}): NewDevice => ({
    customerId,
    model: 'Yealink T54W',
    mac: '001565aabb01',
    lines,
    secretEnc: 'v1:not-really-encrypted',
    ...extra,
  });

  describe(`${name}: devices`, () => {
    it('stores a desk phone and finds it by id, MAC, customer and account', async () => {
      const { store, peer } = await fresh();
      const { customerId, accountIds } = await customerWithAccounts(store, '201', '202');
      const d = await store.devices.create(device(customerId, accountIds, { label: 'Receptie' }));
      expect(d).toMatchObject({ customerId, model: 'Yealink T54W', mac: '001565aabb01', lines: accountIds, label: 'Receptie' });
      const other = await peer();
      expect(await other.devices.get(d.id)).toEqual(d);
      expect(await other.devices.getByMac('001565aabb01')).toEqual(d);
      expect(await other.devices.list(customerId)).toEqual([d]);
      expect(await other.devices.listByAccount(accountIds[1])).toEqual([d]);
      expect(await other.devices.getByMac('001565aabb02')).toBeUndefined();
    });

    it('keeps a softphone without a MAC', async () => {
      const { store } = await fresh();
      const { customerId, accountIds } = await customerWithAccounts(store, '201');
      const d = await store.devices.create(device(customerId, accountIds, { model: 'Linphone softphone', mac: undefined }));
      expect(d).not.toHaveProperty('mac');
      expect(await store.devices.get(d.id)).toEqual(d);
    });

    it('refuses a MAC that is taken, an unknown customer and another customer\'s account', async () => {
      const { store } = await fresh();
      const a = await customerWithAccounts(store, '201');
      const b = await customerWithAccounts(store, '301');
      await store.devices.create(device(a.customerId, a.accountIds));
      await expect(store.devices.create(device(b.customerId, b.accountIds))).rejects.toMatchObject({ field: 'mac' });
      await expect(store.devices.create(device(randomUUID(), [], { mac: '001565aabb09' }))).rejects.toMatchObject({ field: 'customerId' });
      const foreign = store.devices.create(device(a.customerId, b.accountIds, { mac: '001565aabb03' }));
      await expect(foreign).rejects.toBeInstanceOf(ConflictError);
      await expect(foreign).rejects.toMatchObject({ field: 'lines' });
      expect(await store.devices.list(b.customerId)).toEqual([]);
    });

    it('moves a device to a new MAC and new lines, freeing the old MAC', async () => {
      const { store } = await fresh();
      const { customerId, accountIds } = await customerWithAccounts(store, '201', '202');
      const d = await store.devices.create(device(customerId, [accountIds[0]]));
      const moved = await store.devices.update(d.id, { mac: '001565aabb02', lines: [accountIds[1]], label: 'Magazijn' });
      expect(moved).toEqual({ ...d, mac: '001565aabb02', lines: [accountIds[1]], label: 'Magazijn' });
      expect(await store.devices.getByMac('001565aabb01')).toBeUndefined();
      expect(await store.devices.getByMac('001565aabb02')).toEqual(moved);
      expect(await store.devices.listByAccount(accountIds[0])).toEqual([]);
      expect(await store.devices.listByAccount(accountIds[1])).toEqual([moved]);
      const again = await store.devices.create(device(customerId, [], { mac: '001565aabb01' }));
      await expect(store.devices.update(again.id, { mac: '001565aabb02' })).rejects.toMatchObject({ field: 'mac' });
      expect(await store.devices.update(randomUUID(), { label: 'x' })).toBeUndefined();
    });

    it('unbinds a deleted account from its lines and keeps the device', async () => {
      const { store } = await fresh();
      const { customerId, accountIds } = await customerWithAccounts(store, '201', '202');
      const d = await store.devices.create(device(customerId, accountIds));
      await store.accounts.delete(accountIds[0]);
      expect((await store.devices.get(d.id))?.lines).toEqual([accountIds[1]]);
      await store.accounts.delete(accountIds[1]);
      expect((await store.devices.get(d.id))?.lines).toEqual([]);
      expect(await store.devices.getByMac('001565aabb01')).toMatchObject({ id: d.id, lines: [] });
    });

    it('deletes a customer\'s devices with the customer and frees their MACs', async () => {
      const { store } = await fresh();
      const a = await customerWithAccounts(store, '201');
      const b = await customerWithAccounts(store, '301');
      await store.devices.create(device(a.customerId, a.accountIds));
      const kept = await store.devices.create(device(b.customerId, b.accountIds, { mac: '001565aabb02' }));
      await store.customers.delete(a.customerId);
      expect(await store.devices.list(a.customerId)).toEqual([]);
      expect(await store.devices.getByMac('001565aabb01')).toBeUndefined();
      expect(await store.devices.list()).toEqual([kept]);
      const reused = await store.devices.create(device(b.customerId, [], { mac: '001565aabb01' }));
      expect(reused.mac).toBe('001565aabb01');
    });

    it('deletes one device', async () => {
      const { store } = await fresh();
      const { customerId, accountIds } = await customerWithAccounts(store, '201');
      const d = await store.devices.create(device(customerId, accountIds));
      expect(await store.devices.delete(d.id)).toBe(true);
      expect(await store.devices.delete(d.id)).toBe(false);
      expect(await store.devices.listByAccount(accountIds[0])).toEqual([]);
      expect(await store.devices.getByMac('001565aabb01')).toBeUndefined();
    });
  });
}
