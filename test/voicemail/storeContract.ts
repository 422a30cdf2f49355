/**
 * What every store promises about voicemail boxes and messages (src/voicemail/VoicemailTypes.ts).
 * test/store/memory.test.ts and redis.test.ts run it next to the main contract.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, type Store } from '../../src/store/StoreTypes.js';
import type { NewVoicemailBox } from '../../src/voicemail/VoicemailTypes.js';

export type OpenStore = (namespace: string) => Promise<Store>;

export function defineVoicemailContract(name: string, open: OpenStore): void {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all([...new Set(opened.splice(0))].map((s) => s.close()));
  });

  async function fresh(): Promise<{ store: Store; peer: () => Promise<Store>; customerId: string }> {
    const ns = randomUUID();
    const openTracked = async (): Promise<Store> => {
      const s = await open(ns);
      opened.push(s);
      return s;
    };
    const store = await openTracked();
    const c = await store.customers.create({ name: 'Tandartspraktijk Smit', status: 'active', creditLimitCents: 10_000 });
    return { store, peer: openTracked, customerId: c.id };
  }

  const box = (customerId: string, extra: Partial<NewVoicemailBox> = {}): NewVoicemailBox => ({
    customerId,
    name: 'Receptie',
    emails: ['receptie@example.nl'],
    ownerAccountIds: [],
    maxSeconds: 120,
    silenceSeconds: 5,
    ...extra,
  });

  describe(`${name}: voicemail boxes`, () => {
    it('creates a box, finds it by id and by name, and lists the customer\'s boxes in creation order', async () => {
      const { store, peer, customerId } = await fresh();
      const a = await store.voicemail.createBox(box(customerId, { greeting: 'custom/x/y' }));
      // Creation order is by createdAt (ms); ties go by id.
      await new Promise((r) => setTimeout(r, 3));
      const b = await store.voicemail.createBox(box(customerId, { name: 'Na sluitingstijd' }));
      const other = await store.customers.create({ name: 'Ander BV', status: 'active', creditLimitCents: 0 });
      await store.voicemail.createBox(box(other.id));
      const second = await peer();
      expect(await second.voicemail.getBox(a.id)).toEqual(a);
      expect(a).toMatchObject({ name: 'Receptie', greeting: 'custom/x/y', maxSeconds: 120 });
      expect(await second.voicemail.getBoxByName(customerId, 'Na sluitingstijd')).toEqual(b);
      expect(await second.voicemail.getBoxByName(other.id, 'Na sluitingstijd')).toBeUndefined();
      expect((await second.voicemail.listBoxes(customerId)).map((x) => x.id)).toEqual([a.id, b.id]);
      expect(await second.voicemail.listBoxes()).toHaveLength(3);
    });

    it('refuses a box for an unknown customer and a name the customer already uses (another customer may)', async () => {
      const { store, customerId } = await fresh();
      await expect(store.voicemail.createBox(box(randomUUID()))).rejects.toMatchObject({ field: 'customerId' });
      await store.voicemail.createBox(box(customerId));
      const err = await store.voicemail.createBox(box(customerId)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err).toMatchObject({ field: 'name' });
      const other = await store.customers.create({ name: 'Ander BV', status: 'active', creditLimitCents: 0 });
      await expect(store.voicemail.createBox(box(other.id))).resolves.toMatchObject({ name: 'Receptie' });
    });

    it('updates a box: renames (freeing the old name), removes the greeting, keeps id and customer', async () => {
      const { store, customerId } = await fresh();
      const a = await store.voicemail.createBox(box(customerId, { greeting: 'nl/welkom' }));
      await store.voicemail.createBox(box(customerId, { name: 'Bezet' }));
      await expect(store.voicemail.updateBox(a.id, { name: 'Bezet' })).rejects.toMatchObject({ field: 'name' });
      const next = await store.voicemail.updateBox(a.id, { name: 'Balie', greeting: undefined, ownerAccountIds: ['x'] });
      expect(next).toMatchObject({ id: a.id, customerId, name: 'Balie', ownerAccountIds: ['x'], createdAt: a.createdAt });
      expect(next?.greeting).toBeUndefined();
      expect(await store.voicemail.getBoxByName(customerId, 'Receptie')).toBeUndefined();
      await expect(store.voicemail.createBox(box(customerId))).resolves.toMatchObject({ name: 'Receptie' });
      expect(await store.voicemail.updateBox(randomUUID(), { name: 'x' })).toBeUndefined();
    });
  });

  describe(`${name}: voicemail messages`, () => {
    it('adds messages oldest first, marks them heard, deletes them; deleting the box deletes its messages', async () => {
      const { store, peer, customerId } = await fresh();
      const b = await store.voicemail.createBox(box(customerId));
      const later = await store.voicemail.addMessage({ boxId: b.id, customerId, caller: '0612345678', receivedAt: 2000, durationSeconds: 4.2 });
      const earlier = await store.voicemail.addMessage({ boxId: b.id, customerId, receivedAt: 1000, durationSeconds: 1, calledNumber: '+31851234567' });
      expect(later).toMatchObject({ heard: false, caller: '0612345678' });
      const second = await peer();
      expect((await second.voicemail.listMessages(b.id)).map((m) => m.id)).toEqual([earlier.id, later.id]);
      expect(await second.voicemail.setHeard(b.id, later.id, true)).toMatchObject({ id: later.id, heard: true });
      expect(await store.voicemail.getMessage(b.id, later.id)).toMatchObject({ heard: true, durationSeconds: 4.2 });
      expect(await store.voicemail.setHeard(b.id, randomUUID(), true)).toBeUndefined();
      expect(await store.voicemail.deleteMessage(b.id, earlier.id)).toBe(true);
      expect(await store.voicemail.deleteMessage(b.id, earlier.id)).toBe(false);
      expect(await store.voicemail.deleteBox(b.id)).toBe(true);
      expect(await store.voicemail.getBox(b.id)).toBeUndefined();
      expect(await store.voicemail.listMessages(b.id)).toEqual([]);
      await expect(store.voicemail.addMessage({ boxId: b.id, customerId, receivedAt: 1, durationSeconds: 1 })).rejects.toMatchObject({ field: 'boxId' });
    });

    it('keeps the id it is given (the recording is already on disk under it)', async () => {
      const { store, customerId } = await fresh();
      const b = await store.voicemail.createBox(box(customerId));
      const id = randomUUID();
      expect(await store.voicemail.addMessage({ id, boxId: b.id, customerId, receivedAt: 1, durationSeconds: 1 })).toMatchObject({ id });
    });
  });

  describe(`${name}: deleting a customer with voicemail boxes`, () => {
    it('deletes its boxes, their names and messages, and nothing of another customer', async () => {
      const { store, customerId } = await fresh();
      const b = await store.voicemail.createBox(box(customerId));
      await store.voicemail.addMessage({ boxId: b.id, customerId, receivedAt: 1, durationSeconds: 1 });
      const other = await store.customers.create({ name: 'Ander BV', status: 'active', creditLimitCents: 0 });
      const kept = await store.voicemail.createBox(box(other.id));
      expect(await store.customers.delete(customerId)).toBe(true);
      expect(await store.voicemail.getBox(b.id)).toBeUndefined();
      expect(await store.voicemail.getBoxByName(customerId, 'Receptie')).toBeUndefined();
      expect(await store.voicemail.listBoxes(customerId)).toEqual([]);
      expect(await store.voicemail.listMessages(b.id)).toEqual([]);
      expect(await store.voicemail.listBoxes()).toEqual([kept]);
    });
  });
}
