/**
 * The behaviour every Store implementation promises, as one suite. memory.test.ts and
 * redis.test.ts run it; a difference between the two is a defect in one of them.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  type ApiToken,
  type NewAccount,
  type NewServiceNumber,
  type Registration,
  type Store,
} from '../../src/store/StoreTypes.js';

/**
 * Opens a store. Stores opened with the same `namespace` share their state (two app instances
 * on one Redis); different namespaces are isolated from each other.
 */
export type OpenStore = (namespace: string) => Promise<Store>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Long enough that a test never races it. */
const LONG = 60_000;
/** Short real expiries (Redis expires on its own clock, so fake timers would not reach it). */
const SHORT = 150;
const PAST_SHORT = 350;

export function defineStoreContract(name: string, open: OpenStore): void {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  /** A fresh, isolated store, and a way to open a second instance on the same state. */
  async function fresh(): Promise<{ store: Store; peer: () => Promise<Store> }> {
    const ns = randomUUID();
    const openTracked = async (): Promise<Store> => {
      const s = await open(ns);
      opened.push(s);
      return s;
    };
    return { store: await openTracked(), peer: openTracked };
  }

  const customer = { name: 'Bakkerij de Vries', status: 'active' as const, creditLimitCents: 10_000 };
  const account = (customerId: string, username: string, extra: Partial<NewAccount> = {}): NewAccount => ({
    customerId,
    username,
    displayName: `Toestel ${username}`,
    passwordEnc: 'v1:not-really-encrypted',
    channelLimit: 2,
    ...extra,
  });
  const binding = (accountId: string, contact: string, extra: Partial<Registration> = {}): Registration => ({
    accountId,
    contact,
    source: { protocol: 'udp', host: '127.0.0.1', port: 5070 },
    callId: `call-${contact}`,
    cseq: 1,
    expiresAt: Date.now() + LONG,
    registeredAt: Date.now(),
    ...extra,
  });
  const token = (extra: Partial<ApiToken> & Pick<ApiToken, 'role'>): ApiToken => ({
    id: randomUUID(),
    hash: randomUUID().replaceAll('-', ''),
    label: 'test token',
    createdAt: Date.now(),
    ...extra,
  });

  describe(`${name}: health`, () => {
    it('answers ping while open and not after close', async () => {
      const { store } = await fresh();
      expect(await store.ping()).toBe(true);
      await store.close();
      expect(await store.ping()).toBe(false);
    });
  });

  describe(`${name}: customers`, () => {
    it('creates a customer with an id and creation time, and reads it back', async () => {
      const { store } = await fresh();
      const before = Date.now();
      const c = await store.customers.create(customer);
      expect(c).toMatchObject(customer);
      expect(c.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(c.createdAt).toBeGreaterThanOrEqual(before);
      expect(await store.customers.get(c.id)).toEqual(c);
      expect(await store.customers.get(randomUUID())).toBeUndefined();
    });

    it('lists customers in creation order', async () => {
      const { store } = await fresh();
      const a = await store.customers.create({ ...customer, name: 'A' });
      await sleep(2);
      const b = await store.customers.create({ ...customer, name: 'B' });
      expect(await store.customers.list()).toEqual([a, b]);
    });

    it('updates only the patched fields and never the id or creation time', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const patch = { status: 'suspended' as const, id: 'evil', createdAt: 1 } as unknown as { status: 'suspended' };
      const updated = await store.customers.update(c.id, patch);
      expect(updated).toEqual({ ...c, status: 'suspended' });
      expect(await store.customers.get(c.id)).toEqual(updated);
      expect(await store.customers.update(randomUUID(), { name: 'x' })).toBeUndefined();
    });

    it('hands out copies: changing a returned record does not change the store', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      c.name = 'changed';
      const got = await store.customers.get(c.id);
      got!.creditLimitCents = 1;
      expect(await store.customers.get(c.id)).toMatchObject({ name: customer.name, creditLimitCents: 10_000 });
    });

    it('deletes a customer once', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      expect(await store.customers.delete(c.id)).toBe(true);
      expect(await store.customers.get(c.id)).toBeUndefined();
      expect(await store.customers.list()).toEqual([]);
      expect(await store.customers.delete(c.id)).toBe(false);
    });
  });

  describe(`${name}: accounts`, () => {
    it('creates an account and finds it by id, by username and in its customer\'s list', async () => {
      const { store } = await fresh();
      const c1 = await store.customers.create(customer);
      const c2 = await store.customers.create(customer);
      const a = await store.accounts.create(account(c1.id, '1001', { deviceModel: 'Yealink T54W' }));
      const b = await store.accounts.create(account(c2.id, '2001'));
      expect(a).toMatchObject({ ...account(c1.id, '1001'), deviceModel: 'Yealink T54W' });
      expect(await store.accounts.get(a.id)).toEqual(a);
      expect(await store.accounts.getByUsername('1001')).toEqual(a);
      expect(await store.accounts.getByUsername('9999')).toBeUndefined();
      expect(await store.accounts.list(c1.id)).toEqual([a]);
      expect(await store.accounts.list(c2.id)).toEqual([b]);
      expect((await store.accounts.list()).map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store.accounts.list(randomUUID())).toEqual([]);
    });

    it('refuses a username that is taken, naming the field', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      await store.accounts.create(account(c.id, 'jan'));
      const err = await store.accounts.create(account(c.id, 'jan')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err).toMatchObject({ field: 'username', message: 'username "jan" is taken' });
      // Uniqueness is an exact, case-sensitive match.
      await expect(store.accounts.create(account(c.id, 'Jan'))).resolves.toMatchObject({ username: 'Jan' });
      expect(await store.accounts.list(c.id)).toHaveLength(2);
    });

    it('refuses an account for a customer that does not exist', async () => {
      const { store } = await fresh();
      const missing = randomUUID();
      const err = await store.accounts.create(account(missing, '1001')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err).toMatchObject({ field: 'customerId' });
      expect(await store.accounts.getByUsername('1001')).toBeUndefined();
    });

    it('lets exactly one of many simultaneous creations of one username win', async () => {
      const { store, peer } = await fresh();
      const other = await peer();
      const c = await store.customers.create(customer);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).accounts.create(account(c.id, 'piet'))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).toHaveLength(9);
      for (const r of rejected) expect(r.reason).toBeInstanceOf(ConflictError);
      expect(await store.accounts.list(c.id)).toHaveLength(1);
    });

    it('updates an account, moving its username and freeing the old one', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const a = await store.accounts.create(account(c.id, '1001', { deviceModel: 'Snom D785' }));
      const updated = await store.accounts.update(a.id, { username: '1002', displayName: 'Receptie', deviceModel: undefined });
      expect(updated).toEqual({ ...a, username: '1002', displayName: 'Receptie', deviceModel: undefined });
      expect(updated).not.toHaveProperty('deviceModel');
      expect(await store.accounts.get(a.id)).toEqual(updated);
      expect(await store.accounts.getByUsername('1002')).toEqual(updated);
      expect(await store.accounts.getByUsername('1001')).toBeUndefined();
      await expect(store.accounts.create(account(c.id, '1001'))).resolves.toMatchObject({ username: '1001' });
      expect(await store.accounts.update(randomUUID(), { displayName: 'x' })).toBeUndefined();
    });

    it('refuses to rename an account to a taken username and leaves both unchanged', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const a = await store.accounts.create(account(c.id, '1001'));
      const b = await store.accounts.create(account(c.id, '1002'));
      const err = await store.accounts.update(b.id, { username: '1001' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err).toMatchObject({ field: 'username', message: 'username "1001" is taken' });
      expect(await store.accounts.getByUsername('1001')).toEqual(a);
      expect(await store.accounts.getByUsername('1002')).toEqual(b);
      // Keeping one's own username is no conflict.
      await expect(store.accounts.update(a.id, { username: '1001', channelLimit: 4 })).resolves.toMatchObject({ channelLimit: 4 });
    });

    it('never moves an account to another customer through update', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const a = await store.accounts.create(account(c.id, '1001'));
      const sneaky = { customerId: randomUUID() } as unknown as { displayName: string };
      expect(await store.accounts.update(a.id, sneaky)).toEqual(a);
    });

    it('deletes an account with its registrations and its user tokens, freeing its username', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const a = await store.accounts.create(account(c.id, '1001'));
      const b = await store.accounts.create(account(c.id, '1002'));
      await store.locations.save(binding(a.id, 'sip:1001@10.0.0.5:5060'));
      await store.locations.save(binding(b.id, 'sip:1002@10.0.0.6:5060'));
      const userToken = token({ role: 'gebruiker', customerId: c.id, accountId: a.id });
      const adminToken = token({ role: 'beheerder', customerId: c.id });
      await store.tokens.save(userToken);
      await store.tokens.save(adminToken);

      expect(await store.accounts.delete(a.id)).toBe(true);
      expect(await store.accounts.get(a.id)).toBeUndefined();
      expect(await store.accounts.getByUsername('1001')).toBeUndefined();
      expect(await store.locations.list(a.id)).toEqual([]);
      expect(await store.tokens.findByHash(userToken.hash)).toBeUndefined();
      expect(await store.tokens.list(c.id)).toEqual([adminToken]);
      expect(await store.accounts.list(c.id)).toEqual([b]);
      expect(await store.locations.list(b.id)).toHaveLength(1);
      expect(await store.accounts.delete(a.id)).toBe(false);
      await expect(store.accounts.create(account(c.id, '1001'))).resolves.toBeDefined();
    });
  });

  describe(`${name}: deleting a customer`, () => {
    it('deletes its accounts, their registrations and its tokens, and nothing of other customers', async () => {
      const { store } = await fresh();
      const gone = await store.customers.create({ ...customer, name: 'Weg BV' });
      const kept = await store.customers.create({ ...customer, name: 'Blijft BV' });
      const a1 = await store.accounts.create(account(gone.id, '1001'));
      const a2 = await store.accounts.create(account(gone.id, '1002'));
      const k1 = await store.accounts.create(account(kept.id, '2001'));
      for (const a of [a1, a2, k1]) await store.locations.save(binding(a.id, `sip:${a.username}@10.0.0.9`));
      const goneTokens = [
        token({ role: 'beheerder', customerId: gone.id }),
        token({ role: 'gebruiker', customerId: gone.id, accountId: a1.id }),
      ];
      const keptToken = token({ role: 'beheerder', customerId: kept.id });
      const platform = token({ role: 'platform' });
      for (const t of [...goneTokens, keptToken, platform]) await store.tokens.save(t);

      expect(await store.customers.delete(gone.id)).toBe(true);

      expect(await store.customers.list()).toEqual([kept]);
      expect(await store.accounts.list(gone.id)).toEqual([]);
      expect(await store.accounts.list()).toEqual([k1]);
      for (const a of [a1, a2]) {
        expect(await store.accounts.get(a.id)).toBeUndefined();
        expect(await store.accounts.getByUsername(a.username)).toBeUndefined();
        expect(await store.locations.list(a.id)).toEqual([]);
      }
      for (const t of goneTokens) expect(await store.tokens.findByHash(t.hash)).toBeUndefined();
      expect(await store.tokens.list(gone.id)).toEqual([]);
      expect((await store.tokens.list()).map((t) => t.id).sort()).toEqual([keptToken.id, platform.id].sort());
      expect(await store.locations.list(k1.id)).toHaveLength(1);
      expect(await store.accounts.getByUsername('2001')).toEqual(k1);
      // The usernames are free again.
      const again = await store.customers.create(customer);
      await expect(store.accounts.create(account(again.id, '1001'))).resolves.toMatchObject({ username: '1001' });
    });
  });

  const serviceNumber = (customerId: string, e164: string, extra: Partial<NewServiceNumber> = {}): NewServiceNumber => ({
    customerId,
    e164,
    type: '0909',
    status: 'active',
    tariff: { perMinuteCents: 80, startFeeCents: 10, maxPerCallCents: 800 },
    ...extra,
  });
  const planDoc = (greeting: string): unknown => ({
    name: 'Hoofdnummer',
    start: 'welkom',
    nodes: { welkom: { type: 'announcement', prompts: [greeting], next: 'einde' }, einde: { type: 'hangup' } },
  });

  describe(`${name}: numbers`, () => {
    it('creates a number and finds it by id, by E.164 and in its customer\'s list', async () => {
      const { store } = await fresh();
      const c1 = await store.customers.create(customer);
      const c2 = await store.customers.create(customer);
      const before = Date.now();
      const a = await store.numbers.create(serviceNumber(c1.id, '+319091234567'));
      const b = await store.numbers.create(serviceNumber(c2.id, '+318001234', { type: '0800', tariff: undefined }));
      expect(a).toMatchObject(serviceNumber(c1.id, '+319091234567'));
      expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.createdAt).toBeGreaterThanOrEqual(before);
      expect(b).not.toHaveProperty('tariff');
      expect(await store.numbers.get(a.id)).toEqual(a);
      expect(await store.numbers.getByE164('+319091234567')).toEqual(a);
      expect(await store.numbers.getByE164('+319090000000')).toBeUndefined();
      expect(await store.numbers.list(c1.id)).toEqual([a]);
      expect(await store.numbers.list(c2.id)).toEqual([b]);
      expect((await store.numbers.list()).map((n) => n.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store.numbers.list(randomUUID())).toEqual([]);
      expect(await store.numbers.get(randomUUID())).toBeUndefined();
    });

    it('refuses a number that is taken, by any customer, naming the field', async () => {
      const { store } = await fresh();
      const c1 = await store.customers.create(customer);
      const c2 = await store.customers.create(customer);
      const first = await store.numbers.create(serviceNumber(c1.id, '+319091234567'));
      const err = await store.numbers.create(serviceNumber(c2.id, '+319091234567')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err).toMatchObject({ field: 'e164', message: 'number +319091234567 is already in use' });
      expect(await store.numbers.list(c2.id)).toEqual([]);
      expect(await store.numbers.getByE164('+319091234567')).toEqual(first);
    });

    it('refuses a number for a customer that does not exist', async () => {
      const { store } = await fresh();
      const err = await store.numbers.create(serviceNumber(randomUUID(), '+319091234567')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err).toMatchObject({ field: 'customerId' });
      expect(await store.numbers.getByE164('+319091234567')).toBeUndefined();
    });

    it('lets exactly one of many simultaneous creations of one number win', async () => {
      const { store, peer } = await fresh();
      const other = await peer();
      const c = await store.customers.create(customer);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).numbers.create(serviceNumber(c.id, '+311844', { type: '18xy' }))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
      expect(await store.numbers.list(c.id)).toHaveLength(1);
    });

    it('updates status, plan and tariff, removes a field patched to undefined, and never moves the number', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const n = await store.numbers.create(serviceNumber(c.id, '+319091234567', { planId: 'plan-1' }));
      const sneaky = { customerId: randomUUID(), id: 'evil', createdAt: 1 } as unknown as { status: 'active' };
      expect(await store.numbers.update(n.id, sneaky)).toEqual(n);
      const updated = await store.numbers.update(n.id, { status: 'suspended', planId: undefined, tariff: { perCallCents: 90 } });
      expect(updated).toEqual({ ...n, status: 'suspended', planId: undefined, tariff: { perCallCents: 90 } });
      expect(updated).not.toHaveProperty('planId');
      expect(await store.numbers.get(n.id)).toEqual(updated);
      expect(await store.numbers.getByE164(n.e164)).toEqual(updated);
      expect(await store.numbers.update(randomUUID(), { status: 'active' })).toBeUndefined();
    });

    it('moves the E.164 index with the number and refuses a taken one', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const a = await store.numbers.create(serviceNumber(c.id, '+319091234567'));
      const b = await store.numbers.create(serviceNumber(c.id, '+319097654321'));
      const err = await store.numbers.update(b.id, { e164: a.e164 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ field: 'e164' });
      expect(await store.numbers.getByE164(a.e164)).toEqual(a);
      const moved = await store.numbers.update(a.id, { e164: '+319090000001' });
      expect(await store.numbers.getByE164('+319090000001')).toEqual(moved);
      expect(await store.numbers.getByE164('+319091234567')).toBeUndefined();
    });

    it('hands out copies and deletes a number once, freeing its E.164', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const n = await store.numbers.create(serviceNumber(c.id, '+319091234567'));
      n.tariff!.perMinuteCents = 1;
      expect((await store.numbers.get(n.id))?.tariff?.perMinuteCents).toBe(80);
      expect(await store.numbers.delete(n.id)).toBe(true);
      expect(await store.numbers.delete(n.id)).toBe(false);
      expect(await store.numbers.get(n.id)).toBeUndefined();
      expect(await store.numbers.getByE164(n.e164)).toBeUndefined();
      expect(await store.numbers.list(c.id)).toEqual([]);
      await expect(store.numbers.create(serviceNumber(c.id, '+319091234567'))).resolves.toBeDefined();
    });
  });

  describe(`${name}: plans and their versions`, () => {
    it('creates a plan without a live version and lists it per customer', async () => {
      const { store } = await fresh();
      const c1 = await store.customers.create(customer);
      const c2 = await store.customers.create(customer);
      const p = await store.plans.create({ customerId: c1.id, name: 'Hoofdnummer' });
      const q = await store.plans.create({ customerId: c2.id, name: 'Storingslijn' });
      expect(p).toMatchObject({ customerId: c1.id, name: 'Hoofdnummer' });
      expect(p).not.toHaveProperty('liveVersion');
      expect(await store.plans.get(p.id)).toEqual(p);
      expect(await store.plans.get(randomUUID())).toBeUndefined();
      expect(await store.plans.list(c1.id)).toEqual([p]);
      expect((await store.plans.list()).map((x) => x.id).sort()).toEqual([p.id, q.id].sort());
      expect(await store.plans.listVersions(p.id)).toEqual([]);
      const err = await store.plans.create({ customerId: randomUUID(), name: 'x' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ field: 'customerId' });
    });

    it('numbers versions 1, 2, 3 and keeps each document, author and note', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const p = await store.plans.create({ customerId: c.id, name: 'Hoofdnummer' });
      const before = Date.now();
      const v1 = await store.plans.addVersion(p.id, planDoc('welkom-v1'), 'beheerder:tok-1', 'eerste versie');
      const v2 = await store.plans.addVersion(p.id, planDoc('welkom-v2'), 'platform');
      expect(v1).toEqual({ planId: p.id, version: 1, plan: planDoc('welkom-v1'), createdAt: v1.createdAt, createdBy: 'beheerder:tok-1', note: 'eerste versie' });
      expect(v1.createdAt).toBeGreaterThanOrEqual(before);
      expect(v2).toMatchObject({ version: 2, plan: planDoc('welkom-v2'), createdBy: 'platform' });
      expect(v2).not.toHaveProperty('note');
      expect(await store.plans.getVersion(p.id, 1)).toEqual(v1);
      expect(await store.plans.getVersion(p.id, 2)).toEqual(v2);
      expect(await store.plans.getVersion(p.id, 3)).toBeUndefined();
      expect(await store.plans.getVersion(p.id, 0)).toBeUndefined();
      expect(await store.plans.listVersions(p.id)).toEqual([v1, v2]);
      // Adding a version does not make it live.
      expect((await store.plans.get(p.id))?.liveVersion).toBeUndefined();
    });

    it('hands out distinct version numbers to simultaneous saves from two instances', async () => {
      const { store, peer } = await fresh();
      const other = await peer();
      const c = await store.customers.create(customer);
      const p = await store.plans.create({ customerId: c.id, name: 'Druk' });
      const saved = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).plans.addVersion(p.id, planDoc(`v${i}`), 'platform')),
      );
      expect(saved.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect((await store.plans.listVersions(p.id)).map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('refuses a version for a plan that does not exist', async () => {
      const { store } = await fresh();
      const err = await store.plans.addVersion(randomUUID(), planDoc('x'), 'platform').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(err).toMatchObject({ field: 'planId' });
    });

    it('makes a version live, and an earlier one again, but never one that does not exist', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const p = await store.plans.create({ customerId: c.id, name: 'Hoofdnummer' });
      await store.plans.addVersion(p.id, planDoc('v1'), 'platform');
      await store.plans.addVersion(p.id, planDoc('v2'), 'platform');
      expect(await store.plans.setLive(p.id, 2)).toEqual({ ...p, liveVersion: 2 });
      expect(await store.plans.setLive(p.id, 1)).toEqual({ ...p, liveVersion: 1 });
      expect(await store.plans.get(p.id)).toEqual({ ...p, liveVersion: 1 });
      for (const bad of [3, 0, -1, 1.5]) {
        const err = await store.plans.setLive(p.id, bad).catch((e: unknown) => e);
        expect(err, String(bad)).toBeInstanceOf(ConflictError);
        expect(err).toMatchObject({ field: 'version' });
      }
      expect((await store.plans.get(p.id))?.liveVersion).toBe(1);
      expect(await store.plans.setLive(randomUUID(), 1)).toBeUndefined();
    });

    it('hands out copies of plan documents', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const p = await store.plans.create({ customerId: c.id, name: 'Hoofdnummer' });
      const doc = planDoc('welkom') as { name: string };
      const v = await store.plans.addVersion(p.id, doc, 'platform');
      doc.name = 'changed after saving';
      (v.plan as { name: string }).name = 'changed after reading';
      expect((await store.plans.getVersion(p.id, 1))?.plan).toEqual(planDoc('welkom'));
    });

    it('deletes a plan with its versions, and numbers that used it lose their planId', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const p = await store.plans.create({ customerId: c.id, name: 'Weg' });
      const kept = await store.plans.create({ customerId: c.id, name: 'Blijft' });
      await store.plans.addVersion(p.id, planDoc('v1'), 'platform');
      const uses = await store.numbers.create(serviceNumber(c.id, '+319091234567', { planId: p.id }));
      const other = await store.numbers.create(serviceNumber(c.id, '+319097654321', { planId: kept.id }));
      expect(await store.plans.delete(p.id)).toBe(true);
      expect(await store.plans.delete(p.id)).toBe(false);
      expect(await store.plans.get(p.id)).toBeUndefined();
      expect(await store.plans.listVersions(p.id)).toEqual([]);
      expect(await store.plans.getVersion(p.id, 1)).toBeUndefined();
      expect(await store.plans.list(c.id)).toEqual([kept]);
      const unlinked = await store.numbers.get(uses.id);
      expect(unlinked).toEqual({ ...uses, planId: undefined });
      expect(unlinked).not.toHaveProperty('planId');
      expect(await store.numbers.get(other.id)).toEqual(other);
      // A number record changed by the cascade can still be updated.
      await expect(store.numbers.update(uses.id, { planId: kept.id })).resolves.toMatchObject({ planId: kept.id });
    });
  });

  describe(`${name}: deleting a customer with numbers and plans`, () => {
    it('deletes its numbers (freeing them) and its plans with their versions, and nothing of others', async () => {
      const { store } = await fresh();
      const gone = await store.customers.create({ ...customer, name: 'Weg BV' });
      const kept = await store.customers.create({ ...customer, name: 'Blijft BV' });
      const goneP = await store.plans.create({ customerId: gone.id, name: 'Weg' });
      const keptP = await store.plans.create({ customerId: kept.id, name: 'Blijft' });
      await store.plans.addVersion(goneP.id, planDoc('v1'), 'platform');
      await store.plans.addVersion(keptP.id, planDoc('v1'), 'platform');
      const goneN = await store.numbers.create(serviceNumber(gone.id, '+319091234567', { planId: goneP.id }));
      const keptN = await store.numbers.create(serviceNumber(kept.id, '+318001234', { type: '0800', tariff: undefined, planId: keptP.id }));

      expect(await store.customers.delete(gone.id)).toBe(true);

      expect(await store.numbers.get(goneN.id)).toBeUndefined();
      expect(await store.numbers.getByE164(goneN.e164)).toBeUndefined();
      expect(await store.numbers.list()).toEqual([keptN]);
      expect(await store.plans.get(goneP.id)).toBeUndefined();
      expect(await store.plans.listVersions(goneP.id)).toEqual([]);
      expect(await store.plans.list()).toEqual([keptP]);
      expect(await store.plans.listVersions(keptP.id)).toHaveLength(1);
      // The number can be given to another customer.
      await expect(store.numbers.create(serviceNumber(kept.id, goneN.e164))).resolves.toMatchObject({ customerId: kept.id });
    });
  });

  describe(`${name}: tokens`, () => {
    it('saves tokens, finds them by hash, lists them per customer or all, and deletes them', async () => {
      const { store } = await fresh();
      const c = await store.customers.create(customer);
      const platform = token({ role: 'platform', createdAt: 1000 });
      const admin = token({ role: 'beheerder', customerId: c.id, createdAt: 2000 });
      await store.tokens.save(platform);
      await store.tokens.save(admin);
      expect(await store.tokens.findByHash(admin.hash)).toEqual(admin);
      expect(await store.tokens.findByHash('0'.repeat(64))).toBeUndefined();
      expect(await store.tokens.list(c.id)).toEqual([admin]);
      expect(await store.tokens.list()).toEqual([platform, admin]);
      expect(await store.tokens.delete(admin.id)).toBe(true);
      expect(await store.tokens.delete(admin.id)).toBe(false);
      expect(await store.tokens.findByHash(admin.hash)).toBeUndefined();
      expect(await store.tokens.list(c.id)).toEqual([]);
    });

    it('replaces a token saved again under the same id, old hash included', async () => {
      const { store } = await fresh();
      const t = token({ role: 'platform' });
      await store.tokens.save(t);
      const rotated = { ...t, hash: 'f'.repeat(64), label: 'rotated' };
      await store.tokens.save(rotated);
      expect(await store.tokens.findByHash(t.hash)).toBeUndefined();
      expect(await store.tokens.findByHash(rotated.hash)).toEqual(rotated);
      expect(await store.tokens.list()).toEqual([rotated]);
    });
  });

  describe(`${name}: registrations`, () => {
    it('saves bindings and lists them oldest first with every field intact', async () => {
      const { store } = await fresh();
      const first = binding('acc-1', 'sip:1001@192.168.1.20:5060', {
        receivedOn: 'udp/127.0.0.1:5060',
        userAgent: 'Yealink SIP-T54W',
        instance: '<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>',
        source: { protocol: 'tcp', host: '203.0.113.7', port: 40123 },
      });
      const second = binding('acc-1', 'sip:1001@192.168.1.21:5060');
      await store.locations.save(first);
      await store.locations.save(second);
      expect(await store.locations.list('acc-1')).toEqual([first, second]);
      expect(await store.locations.list('acc-2')).toEqual([]);
    });

    it('replaces a binding saved again for the same contact and keeps its place', async () => {
      const { store } = await fresh();
      const a = binding('acc-1', 'sip:a@10.0.0.1');
      const b = binding('acc-1', 'sip:b@10.0.0.2');
      await store.locations.save(a);
      await store.locations.save(b);
      const refreshed = { ...a, cseq: 2, expiresAt: Date.now() + 2 * LONG, source: { protocol: 'udp' as const, host: '198.51.100.1', port: 1024 } };
      await store.locations.save(refreshed);
      expect(await store.locations.list('acc-1')).toEqual([refreshed, b]);
    });

    it('removes one binding, or all of an account', async () => {
      const { store } = await fresh();
      const a = binding('acc-1', 'sip:a@10.0.0.1');
      const b = binding('acc-1', 'sip:b@10.0.0.2');
      const other = binding('acc-2', 'sip:c@10.0.0.3');
      for (const r of [a, b, other]) await store.locations.save(r);
      await store.locations.remove('acc-1', a.contact);
      await store.locations.remove('acc-1', 'sip:never@10.0.0.9');
      expect(await store.locations.list('acc-1')).toEqual([b]);
      await store.locations.removeAll('acc-1');
      expect(await store.locations.list('acc-1')).toEqual([]);
      expect(await store.locations.list('acc-2')).toEqual([other]);
    });

    it('never lists a binding past its expiry, while the account\'s other bindings stay', async () => {
      const { store } = await fresh();
      const shortLived = binding('acc-1', 'sip:short@10.0.0.1', { expiresAt: Date.now() + SHORT });
      const longLived = binding('acc-1', 'sip:long@10.0.0.2');
      await store.locations.save(shortLived);
      await store.locations.save(longLived);
      expect(await store.locations.list('acc-1')).toEqual([shortLived, longLived]);
      await sleep(PAST_SHORT);
      expect(await store.locations.list('acc-1')).toEqual([longLived]);
      // A refresh after expiry registers the contact anew, behind the binding that stayed.
      const back = { ...shortLived, expiresAt: Date.now() + LONG };
      await store.locations.save(back);
      expect(await store.locations.list('acc-1')).toEqual([longLived, back]);
    });

    it('treats a binding saved already expired as absent', async () => {
      const { store } = await fresh();
      await store.locations.save(binding('acc-1', 'sip:old@10.0.0.1', { expiresAt: Date.now() - 1 }));
      expect(await store.locations.list('acc-1')).toEqual([]);
    });

    it('stamps "last seen" (registeredAt) when a save does not say, and a refresh moves it forward', async () => {
      const { store } = await fresh();
      const { registeredAt: _, ...unstamped } = binding('acc-1', 'sip:a@10.0.0.1');
      const before = Date.now();
      await store.locations.save(unstamped);
      const [first] = await store.locations.list('acc-1');
      expect(first?.registeredAt).toBeGreaterThanOrEqual(before);
      expect(first?.registeredAt).toBeLessThanOrEqual(Date.now());
      await store.locations.save({ ...unstamped, cseq: 2, registeredAt: (first?.registeredAt ?? 0) + 5_000 });
      expect(await store.locations.list('acc-1')).toEqual([{ ...unstamped, cseq: 2, registeredAt: (first?.registeredAt ?? 0) + 5_000 }]);
    });

    it('drops a save with a lower CSeq of the same Call-ID, keeping the later "last seen"', async () => {
      const { store } = await fresh();
      const later = binding('acc-1', 'sip:a@10.0.0.1', { cseq: 7, registeredAt: 2_000_000_000_000 });
      await store.locations.save(later);
      await store.locations.save({ ...later, cseq: 6, registeredAt: 2_000_000_005_000, userAgent: 'stale' });
      expect(await store.locations.list('acc-1')).toEqual([later]);
      // A new Call-ID (the phone restarted) is a new registration whatever its CSeq.
      const restarted = { ...later, callId: 'call-after-reboot', cseq: 1, registeredAt: 2_000_000_010_000 };
      await store.locations.save(restarted);
      expect(await store.locations.list('acc-1')).toEqual([restarted]);
    });

    it('shares bindings between instances on the same state', async () => {
      const { store, peer } = await fresh();
      const other = await peer();
      const r = binding('acc-1', 'sip:a@10.0.0.1');
      await store.locations.save(r);
      expect(await other.locations.list('acc-1')).toEqual([r]);
    });
  });

  describe(`${name}: channel leases`, () => {
    it('grants at most `limit` live leases per key', async () => {
      const { store } = await fresh();
      expect(await store.leases.acquire('account:a', 'call-1', 2, LONG)).toBe(true);
      expect(await store.leases.acquire('account:a', 'call-2', 2, LONG)).toBe(true);
      expect(await store.leases.acquire('account:a', 'call-3', 2, LONG)).toBe(false);
      expect(await store.leases.count('account:a')).toBe(2);
      // Another key has its own slots.
      expect(await store.leases.acquire('account:b', 'call-3', 2, LONG)).toBe(true);
      expect(await store.leases.count('account:b')).toBe(1);
      expect(await store.leases.count('account:none')).toBe(0);
    });

    it('does not take a second slot when the same lease is acquired again', async () => {
      const { store } = await fresh();
      expect(await store.leases.acquire('k', 'call-1', 2, LONG)).toBe(true);
      expect(await store.leases.acquire('k', 'call-1', 2, LONG)).toBe(true);
      expect(await store.leases.count('k')).toBe(1);
      expect(await store.leases.acquire('k', 'call-2', 2, LONG)).toBe(true);
      expect(await store.leases.acquire('k', 'call-2', 2, LONG)).toBe(true);
      expect(await store.leases.count('k')).toBe(2);
    });

    it('frees the slot on release', async () => {
      const { store } = await fresh();
      await store.leases.acquire('k', 'call-1', 2, LONG);
      await store.leases.acquire('k', 'call-2', 2, LONG);
      await store.leases.release('k', 'call-1');
      await store.leases.release('k', 'call-unknown');
      expect(await store.leases.count('k')).toBe(1);
      expect(await store.leases.acquire('k', 'call-3', 2, LONG)).toBe(true);
      expect(await store.leases.renew('k', 'call-1', LONG)).toBe(false);
    });

    it('frees the slot when a lease is not renewed in time', async () => {
      const { store } = await fresh();
      expect(await store.leases.acquire('k', 'call-1', 2, SHORT)).toBe(true);
      expect(await store.leases.acquire('k', 'call-2', 2, LONG)).toBe(true);
      expect(await store.leases.acquire('k', 'call-3', 2, LONG)).toBe(false);
      await sleep(PAST_SHORT);
      expect(await store.leases.count('k')).toBe(1);
      expect(await store.leases.renew('k', 'call-1', LONG)).toBe(false);
      expect(await store.leases.acquire('k', 'call-3', 2, LONG)).toBe(true);
    });

    it('keeps a renewed lease past its first expiry', async () => {
      const { store } = await fresh();
      expect(await store.leases.acquire('k', 'call-1', 2, SHORT)).toBe(true);
      expect(await store.leases.renew('k', 'call-1', LONG)).toBe(true);
      await sleep(PAST_SHORT);
      expect(await store.leases.count('k')).toBe(1);
      expect(await store.leases.renew('k', 'call-1', LONG)).toBe(true);
      expect(await store.leases.renew('k', 'call-never', LONG)).toBe(false);
      expect(await store.leases.count('k')).toBe(1);
    });

    it('grants exactly `limit` of 20 simultaneous acquires from two instances', async () => {
      const { store, peer } = await fresh();
      const other = await peer();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).leases.acquire('account:x', `call-${i}`, 2, LONG)),
      );
      expect(results.filter(Boolean)).toHaveLength(2);
      expect(await store.leases.count('account:x')).toBe(2);
      expect(await other.leases.count('account:x')).toBe(2);
    });
  });

  describe(`${name}: counters and flags`, () => {
    it('counts hits per key', async () => {
      const { store } = await fresh();
      expect(await store.counters.hit('auth-fail:192.0.2.1', LONG)).toBe(1);
      expect(await store.counters.hit('auth-fail:192.0.2.1', LONG)).toBe(2);
      expect(await store.counters.hit('auth-fail:192.0.2.2', LONG)).toBe(1);
      expect(await store.counters.hit('auth-fail:192.0.2.1', LONG)).toBe(3);
    });

    it('counts only the hits within the sliding window', async () => {
      const { store } = await fresh();
      expect(await store.counters.hit('k', SHORT)).toBe(1);
      expect(await store.counters.hit('k', SHORT)).toBe(2);
      await sleep(PAST_SHORT);
      expect(await store.counters.hit('k', SHORT)).toBe(1);
      // The same events seen through a longer window are still there.
      expect(await store.counters.hit('k', LONG)).toBe(2);
    });

    it('counts simultaneous hits from two instances without losing any', async () => {
      const { store, peer } = await fresh();
      const other = await peer();
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).counters.hit('k', LONG)));
      expect(await store.counters.hit('k', LONG)).toBe(21);
    });

    it('keeps a flag until it expires', async () => {
      const { store } = await fresh();
      expect(await store.counters.hasFlag('blocked:192.0.2.1')).toBe(false);
      await store.counters.setFlag('blocked:192.0.2.1', SHORT);
      await store.counters.setFlag('blocked:192.0.2.2', LONG);
      expect(await store.counters.hasFlag('blocked:192.0.2.1')).toBe(true);
      await sleep(PAST_SHORT);
      expect(await store.counters.hasFlag('blocked:192.0.2.1')).toBe(false);
      expect(await store.counters.hasFlag('blocked:192.0.2.2')).toBe(true);
    });

    it('raises a stored number only to a higher value', async () => {
      const { store } = await fresh();
      expect(await store.counters.raiseIfHigher('nc:abc', 1, LONG)).toBe(true);
      expect(await store.counters.raiseIfHigher('nc:abc', 1, LONG)).toBe(false);
      expect(await store.counters.raiseIfHigher('nc:abc', 0, LONG)).toBe(false);
      expect(await store.counters.raiseIfHigher('nc:abc', 5, LONG)).toBe(true);
      expect(await store.counters.raiseIfHigher('nc:abc', 3, LONG)).toBe(false);
      expect(await store.counters.raiseIfHigher('nc:other', 3, LONG)).toBe(true);
    });

    it('forgets the stored number once it expires', async () => {
      const { store } = await fresh();
      expect(await store.counters.raiseIfHigher('nc:abc', 7, SHORT)).toBe(true);
      expect(await store.counters.raiseIfHigher('nc:abc', 7, SHORT)).toBe(false);
      await sleep(PAST_SHORT);
      expect(await store.counters.raiseIfHigher('nc:abc', 7, LONG)).toBe(true);
    });

    it('lets exactly one of many simultaneous raises to the same value win', async () => {
      const { store, peer } = await fresh();
      const other = await peer();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).counters.raiseIfHigher('nc:x', 1, LONG)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
