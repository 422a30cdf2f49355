/**
 * What every store promises about hunt group state (round-robin pointer, members' last activity),
 * run by memory.test.ts and redis.test.ts. Stores opened on one namespace are two app instances.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/StoreTypes.js';
import type { OpenStore } from './contract.js';

export function defineHuntGroupContract(name: string, open: OpenStore): void {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  async function pair(): Promise<[Store, Store]> {
    const ns = randomUUID();
    const a = await open(ns);
    const b = await open(ns);
    opened.push(a, b);
    return [a, b];
  }
  const members = ['account:201', 'account:202', 'number:+31205550100'];

  describe(`${name}: hunt group state`, () => {
    it('remembers nothing for a new group', async () => {
      const [store] = await pair();
      expect(await store.huntGroups.get('c1', 'file:support#groep', members)).toEqual({ lastActivity: {} });
    });

    it('shares who answered last between app instances, per group', async () => {
      const [one, two] = await pair();
      await one.huntGroups.answered('c1', 'file:support#groep', 'account:202', 1_000);
      expect(await two.huntGroups.get('c1', 'file:support#groep', members)).toEqual({ lastAnswered: 'account:202', lastActivity: { 'account:202': 1_000 } });
      expect((await two.huntGroups.get('c1', 'file:sales#groep', members)).lastAnswered).toBeUndefined();
      await two.huntGroups.answered('c1', 'file:support#groep', 'account:201', 2_000);
      expect((await one.huntGroups.get('c1', 'file:support#groep', members)).lastAnswered).toBe('account:201');
    });

    it("keeps members' last activity per customer across groups, later times winning", async () => {
      const [one, two] = await pair();
      await one.huntGroups.answered('c1', 'file:support#groep', 'account:201', 1_000);
      await two.huntGroups.ended('c1', 'account:201', 5_000);
      await two.huntGroups.ended('c1', 'account:202', 3_000);
      // A late report of an earlier event does not move the time back.
      await one.huntGroups.ended('c1', 'account:202', 2_000);
      expect((await one.huntGroups.get('c1', 'file:sales#andere-groep', members)).lastActivity).toEqual({ 'account:201': 5_000, 'account:202': 3_000 });
      expect((await one.huntGroups.get('c2', 'file:sales#andere-groep', members)).lastActivity).toEqual({});
    });

    it('returns activity only for the members asked about', async () => {
      const [store] = await pair();
      await store.huntGroups.ended('c1', 'account:299', 1_000);
      await store.huntGroups.ended('c1', 'account:201', 2_000);
      expect((await store.huntGroups.get('c1', 'g', members)).lastActivity).toEqual({ 'account:201': 2_000 });
    });

    it("forgets a customer's hunt groups with the customer", async () => {
      const [store, peer] = await pair();
      const c = await store.customers.create({ name: 'Belgroep BV', status: 'active', creditLimitCents: 10_000 });
      const other = await store.customers.create({ name: 'Buren BV', status: 'active', creditLimitCents: 10_000 });
      await store.huntGroups.answered(c.id, 'g', 'account:201', 1_000);
      await store.huntGroups.answered(other.id, 'g', 'account:201', 1_000);
      expect(await peer.customers.delete(c.id)).toBe(true);
      expect(await store.huntGroups.get(c.id, 'g', members)).toEqual({ lastActivity: {} });
      expect((await store.huntGroups.get(other.id, 'g', members)).lastAnswered).toBe('account:201');
    });
  });
}
