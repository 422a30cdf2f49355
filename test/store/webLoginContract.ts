/**
 * The web sign-in repo's promises, run against both stores (memory.test.ts, redis.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, type NewWebLogin, type Store } from '../../src/store/StoreTypes.js';
import type { OpenStore } from './contract.js';

export function defineWebLoginContract(name: string, open: OpenStore): void {
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
  const customer = async (store: Store): Promise<string> => (await store.customers.create({ name: `Klant ${randomUUID()}`, status: 'active', creditLimitCents: 10_000 })).id;
  const login = (customerId: string, username: string, extra: Partial<NewWebLogin> = {}): NewWebLogin => ({
    customerId,
    username,
    role: 'beheerder',
    passwordHash: 'scrypt$16384$8$1$c2FsdA$a2V5',
    ...extra,
  });

  describe(`${name}: web sign-ins`, () => {
    it('creates a sign-in, finds it by id and by username, and lists it with its customer', async () => {
      const { store, peer } = await fresh();
      const c = await customer(store);
      const other = await customer(store);
      const a = await store.webLogins.create(login(c, 'anna@bakkerij.nl'));
      const b = await store.webLogins.create(login(c, 'piet', { role: 'gebruiker', accountId: 'acc-1' }));
      await store.webLogins.create(login(other, 'jan'));
      expect(a).toMatchObject({ username: 'anna@bakkerij.nl', role: 'beheerder', customerId: c, passwordHash: 'scrypt$16384$8$1$c2FsdA$a2V5' });
      const second = await peer();
      expect(await second.webLogins.get(a.id)).toEqual(a);
      expect(await second.webLogins.findByUsername('piet')).toEqual(b);
      expect(await second.webLogins.findByUsername('nobody')).toBeUndefined();
      // Oldest first; two made in the same millisecond may come either way.
      expect((await second.webLogins.list(c)).map((l) => l.username).sort()).toEqual(['anna@bakkerij.nl', 'piet']);
      expect(await second.webLogins.list()).toHaveLength(3);
    });

    it('refuses a username that is taken (by any customer) and an unknown customer', async () => {
      const { store } = await fresh();
      const c = await customer(store);
      const other = await customer(store);
      await store.webLogins.create(login(c, 'anna'));
      await expect(store.webLogins.create(login(other, 'anna'))).rejects.toMatchObject({ field: 'username' });
      await expect(store.webLogins.create(login('no-such-customer', 'bert'))).rejects.toBeInstanceOf(ConflictError);
      expect(await store.webLogins.findByUsername('bert')).toBeUndefined();
    });

    it('changes the password hash, deletes a sign-in (its username is free again), and goes with its customer', async () => {
      const { store } = await fresh();
      const c = await customer(store);
      const keep = await customer(store);
      const a = await store.webLogins.create(login(c, 'anna'));
      const changed = await store.webLogins.setPasswordHash(a.id, 'scrypt$16384$8$1$bmlldXc$bmlldXc');
      expect(changed).toEqual({ ...a, passwordHash: 'scrypt$16384$8$1$bmlldXc$bmlldXc' });
      expect(await store.webLogins.setPasswordHash('unknown', 'x')).toBeUndefined();

      expect(await store.webLogins.delete(a.id)).toBe(true);
      expect(await store.webLogins.delete(a.id)).toBe(false);
      expect(await store.webLogins.findByUsername('anna')).toBeUndefined();
      await store.webLogins.create(login(c, 'anna'));
      await store.webLogins.create(login(c, 'bert'));
      const kept = await store.webLogins.create(login(keep, 'carla'));

      await store.customers.delete(c);
      expect(await store.webLogins.list(c)).toEqual([]);
      expect(await store.webLogins.findByUsername('anna')).toBeUndefined();
      expect(await store.webLogins.list()).toEqual([kept]);
    });
  });
}
