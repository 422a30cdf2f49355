import {
  ConflictError,
  type Account,
  type AccountRepo,
  type ApiToken,
  type ChannelLeases,
  type Counters,
  type Customer,
  type CustomerRepo,
  type LocationStore,
  type NewAccount,
  type NewCustomer,
  type NumberRepo,
  type PlanRecord,
  type PlanRepo,
  type PlanVersion,
  type Registration,
  type Store,
  type TokenRepo,
} from './StoreTypes.js';
import { MemoryHuntGroups } from './MemoryHuntGroups.js';
import type { ServiceNumber } from '../numbers/NumberTypes.js';
import type { DeviceRepo } from '../provisioning/DeviceTypes.js';
import { MemoryDeviceRepo } from './MemoryDeviceRepo.js';
import { MemoryVoicemailRepo } from '../voicemail/MemoryVoicemailRepo.js';
import { memoryInventoryRepo } from '../inventory/MemoryInventoryRepo.js';
import { forgetInventoryCustomer } from '../inventory/forgetCustomer.js';
import { memoryBillingRepo } from '../billing/MemoryBillingRepo.js';
import { forgetBillingCustomer } from '../billing/forgetCustomer.js';
import { MemoryWebLoginRepo } from './MemoryWebLoginRepo.js';
import {
  byCreation,
  newAccount,
  newCustomer,
  newPlan,
  newPlanVersion,
  newServiceNumber,
  numberTaken,
  patchAccount,
  patchCustomer,
  patchServiceNumber,
  unknownCustomer,
  unknownPlan,
  unknownVersion,
  usernameTaken,
} from './records.js';

/** How often expired registrations, leases and counter entries are dropped even if nobody reads them. */
const SWEEP_INTERVAL_MS = 30_000;

/** Callers get copies: changing a returned object must not change the store. */
const copy = <T>(v: T): T => structuredClone(v);

/**
 * A copy of a record whose fields are all primitives, for the lookups every REGISTER makes
 * (structuredClone cost 6% of the registrar's CPU). The type refuses a record with a nested
 * object, which a spread would share.
 */
type FlatRecord<T> = { [K in keyof T]: string | number | boolean | null | undefined };
const copyFlat = <T extends FlatRecord<T>>(v: T): T => ({ ...v });

/** A binding: flat but for its source address. */
const copyBinding = (r: Registration): Registration => ({ ...r, source: { ...r.source } });

/**
 * The in-process store: one app instance, state lost on restart. Everything is synchronous under
 * the hood, so every operation is atomic by construction (Node runs one callback at a time).
 * Usernames are unique by exact, case-sensitive match, as in the Redis store.
 */
export class MemoryStore implements Store {
  readonly customers: CustomerRepo;
  readonly accounts: AccountRepo;
  readonly locations: LocationStore;
  readonly leases: ChannelLeases;
  readonly counters: Counters;
  readonly tokens: TokenRepo;
  readonly numbers: NumberRepo;
  readonly plans: PlanRepo;
  readonly devices: DeviceRepo;
  readonly huntGroups = new MemoryHuntGroups();
  readonly voicemail = new MemoryVoicemailRepo((id) => this.customerMap.has(id));
  readonly inventory = memoryInventoryRepo();
  readonly billing = memoryBillingRepo();
  private readonly webLoginStore = new MemoryWebLoginRepo((id) => this.customerMap.has(id));
  readonly webLogins = this.webLoginStore.repo;

  private closed = false;
  private readonly deviceStore = new MemoryDeviceRepo({
    hasCustomer: (id) => this.customerMap.has(id),
    accountCustomer: (id) => this.accountMap.get(id)?.customerId,
  });
  private readonly customerMap = new Map<string, Customer>();
  private readonly accountMap = new Map<string, Account>();
  private readonly accountIdByUsername = new Map<string, string>();
  private readonly tokenMap = new Map<string, ApiToken>();
  /** Token hash → token id: every API request looks its token up by hash. */
  private readonly tokenIdByHash = new Map<string, string>();
  private readonly numberMap = new Map<string, ServiceNumber>();
  private readonly numberIdByE164 = new Map<string, string>();
  private readonly planMap = new Map<string, PlanRecord>();
  /** planId → its versions, version n at index n - 1. */
  private readonly planVersions = new Map<string, PlanVersion[]>();
  /** accountId → contact → binding. A Map keeps insertion order, so a refresh keeps its place (oldest first). */
  private readonly bindings = new Map<string, Map<string, Registration>>();
  /** lease key → leaseId → expiresAt. */
  private readonly leaseMap = new Map<string, Map<string, number>>();
  /** counter key → event times (ascending) and the window of the last hit, for the sweep. */
  private readonly hits = new Map<string, { times: number[]; windowMs: number }>();
  private readonly flags = new Map<string, number>();
  private readonly highWater = new Map<string, { value: number; expiresAt: number }>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor() {
    this.customers = this.customerRepo();
    this.accounts = this.accountRepo();
    this.locations = this.locationStore();
    this.leases = this.channelLeases();
    this.counters = this.counterStore();
    this.tokens = this.tokenRepo();
    this.numbers = this.numberRepo();
    this.plans = this.planRepo();
    this.devices = this.deviceStore.repo;
    this.sweepTimer = setInterval(() => this.sweep(Date.now()), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
  }

  /** Drops everything that has expired. Reads prune too; this bounds memory for keys nobody reads. */
  private sweep(now: number): void {
    for (const accountId of this.bindings.keys()) this.liveBindings(accountId, now);
    for (const key of this.leaseMap.keys()) this.liveLeases(key, now);
    for (const [key, h] of this.hits) {
      const last = h.times[h.times.length - 1];
      if (last === undefined || last <= now - h.windowMs) this.hits.delete(key);
    }
    for (const [key, expiresAt] of this.flags) if (expiresAt <= now) this.flags.delete(key);
    for (const [key, e] of this.highWater) if (e.expiresAt <= now) this.highWater.delete(key);
  }

  private deleteAccount(id: string): boolean {
    const account = this.accountMap.get(id);
    if (account === undefined) return false;
    this.accountMap.delete(id);
    if (this.accountIdByUsername.get(account.username) === id) this.accountIdByUsername.delete(account.username);
    this.bindings.delete(id);
    this.deviceStore.unbindAccount(id);
    // A user token is only meaningful with its account.
    for (const t of [...this.tokenMap.values()]) if (t.accountId === id) this.deleteToken(t.id);
    return true;
  }

  private deleteToken(id: string): boolean {
    const t = this.tokenMap.get(id);
    if (t === undefined) return false;
    this.tokenMap.delete(id);
    if (this.tokenIdByHash.get(t.hash) === id) this.tokenIdByHash.delete(t.hash);
    return true;
  }

  private deleteNumber(id: string): boolean {
    const n = this.numberMap.get(id);
    if (n === undefined) return false;
    this.numberMap.delete(id);
    if (this.numberIdByE164.get(n.e164) === id) this.numberIdByE164.delete(n.e164);
    return true;
  }

  private deletePlan(id: string): boolean {
    const p = this.planMap.get(id);
    if (p === undefined) return false;
    this.planMap.delete(id);
    this.planVersions.delete(id);
    // A number keeps no reference to a plan that is gone.
    for (const n of this.numberMap.values()) {
      if (n.planId === id) this.numberMap.set(n.id, patchServiceNumber(n, { planId: undefined }));
    }
    return true;
  }

  private customerRepo(): CustomerRepo {
    return {
      create: async (c: NewCustomer) => {
        const customer = newCustomer(c);
        this.customerMap.set(customer.id, customer);
        return copy(customer);
      },
      get: async (id) => {
        const c = this.customerMap.get(id);
        return c && copyFlat(c);
      },
      list: async () => [...this.customerMap.values()].sort(byCreation).map(copy),
      update: async (id, patch) => {
        const cur = this.customerMap.get(id);
        if (cur === undefined) return undefined;
        const next = patchCustomer(cur, patch);
        this.customerMap.set(id, next);
        return copy(next);
      },
      delete: async (id) => {
        if (!this.customerMap.delete(id)) return false;
        this.deviceStore.deleteCustomer(id);
        this.huntGroups.forget(id);
        this.voicemail.removeCustomerBoxes(id);
        this.webLoginStore.deleteCustomer(id);
        for (const a of [...this.accountMap.values()]) if (a.customerId === id) this.deleteAccount(a.id);
        for (const t of [...this.tokenMap.values()]) if (t.customerId === id) this.deleteToken(t.id);
        for (const n of [...this.numberMap.values()]) if (n.customerId === id) this.deleteNumber(n.id);
        for (const p of [...this.planMap.values()]) if (p.customerId === id) this.deletePlan(p.id);
        await forgetInventoryCustomer(this.inventory, id);
        await forgetBillingCustomer(this.billing, id);
        return true;
      },
    };
  }

  private accountRepo(): AccountRepo {
    return {
      create: async (a: NewAccount) => {
        if (!this.customerMap.has(a.customerId)) throw new ConflictError('customerId', unknownCustomer(a.customerId));
        if (this.accountIdByUsername.has(a.username)) throw new ConflictError('username', usernameTaken(a.username));
        const account = newAccount(a);
        this.accountMap.set(account.id, account);
        this.accountIdByUsername.set(account.username, account.id);
        return copy(account);
      },
      get: async (id) => {
        const a = this.accountMap.get(id);
        return a && copyFlat(a);
      },
      getByUsername: async (username) => {
        const id = this.accountIdByUsername.get(username);
        const a = id === undefined ? undefined : this.accountMap.get(id);
        return a && copyFlat(a);
      },
      list: async (customerId) =>
        [...this.accountMap.values()]
          .filter((a) => customerId === undefined || a.customerId === customerId)
          .sort(byCreation)
          .map(copy),
      update: async (id, patch) => {
        const cur = this.accountMap.get(id);
        if (cur === undefined) return undefined;
        const next = patchAccount(cur, patch);
        if (next.username !== cur.username) {
          if (this.accountIdByUsername.has(next.username)) throw new ConflictError('username', usernameTaken(next.username));
          this.accountIdByUsername.delete(cur.username);
          this.accountIdByUsername.set(next.username, id);
        }
        this.accountMap.set(id, next);
        return copy(next);
      },
      delete: async (id) => this.deleteAccount(id),
    };
  }

  private numberRepo(): NumberRepo {
    return {
      create: async (n) => {
        if (!this.customerMap.has(n.customerId)) throw new ConflictError('customerId', unknownCustomer(n.customerId));
        if (this.numberIdByE164.has(n.e164)) throw new ConflictError('e164', numberTaken(n.e164));
        const number = newServiceNumber(n);
        this.numberMap.set(number.id, number);
        this.numberIdByE164.set(number.e164, number.id);
        return copy(number);
      },
      get: async (id) => {
        const n = this.numberMap.get(id);
        return n && copy(n);
      },
      getByE164: async (e164) => {
        const id = this.numberIdByE164.get(e164);
        const n = id === undefined ? undefined : this.numberMap.get(id);
        return n && copy(n);
      },
      list: async (customerId) =>
        [...this.numberMap.values()]
          .filter((n) => customerId === undefined || n.customerId === customerId)
          .sort(byCreation)
          .map(copy),
      update: async (id, patch) => {
        const cur = this.numberMap.get(id);
        if (cur === undefined) return undefined;
        const next = patchServiceNumber(cur, copy(patch));
        if (next.e164 !== cur.e164) {
          if (this.numberIdByE164.has(next.e164)) throw new ConflictError('e164', numberTaken(next.e164));
          this.numberIdByE164.delete(cur.e164);
          this.numberIdByE164.set(next.e164, id);
        }
        this.numberMap.set(id, next);
        return copy(next);
      },
      delete: async (id) => this.deleteNumber(id),
    };
  }

  private planRepo(): PlanRepo {
    return {
      create: async (p) => {
        if (!this.customerMap.has(p.customerId)) throw new ConflictError('customerId', unknownCustomer(p.customerId));
        const plan = newPlan(p);
        this.planMap.set(plan.id, plan);
        this.planVersions.set(plan.id, []);
        return copy(plan);
      },
      get: async (id) => {
        const p = this.planMap.get(id);
        return p && copy(p);
      },
      list: async (customerId) =>
        [...this.planMap.values()]
          .filter((p) => customerId === undefined || p.customerId === customerId)
          .sort(byCreation)
          .map(copy),
      addVersion: async (planId, plan, createdBy, note) => {
        const versions = this.planVersions.get(planId);
        if (versions === undefined) throw new ConflictError('planId', unknownPlan(planId));
        const v = newPlanVersion(planId, versions.length + 1, copy(plan), createdBy, note);
        versions.push(v);
        return copy(v);
      },
      getVersion: async (planId, version) => {
        const v = this.planVersions.get(planId)?.[version - 1];
        return v && copy(v);
      },
      listVersions: async (planId) => (this.planVersions.get(planId) ?? []).map(copy),
      setLive: async (planId, version) => {
        const cur = this.planMap.get(planId);
        if (cur === undefined) return undefined;
        if (!Number.isInteger(version) || this.planVersions.get(planId)?.[version - 1] === undefined) {
          throw new ConflictError('version', unknownVersion(planId, version));
        }
        const next = { ...cur, liveVersion: version };
        this.planMap.set(planId, next);
        return copy(next);
      },
      delete: async (id) => this.deletePlan(id),
    };
  }

  /** The account's unexpired bindings; expired ones are dropped on the way. */
  private liveBindings(accountId: string, now: number): Map<string, Registration> | undefined {
    const m = this.bindings.get(accountId);
    if (m === undefined) return undefined;
    for (const [contact, r] of m) if (r.expiresAt <= now) m.delete(contact);
    if (m.size === 0) {
      this.bindings.delete(accountId);
      return undefined;
    }
    return m;
  }

  private locationStore(): LocationStore {
    return {
      save: async (r) => {
        let m = this.bindings.get(r.accountId);
        if (m === undefined) this.bindings.set(r.accountId, (m = new Map()));
        // As in Redis (SAVE_BINDING): a lower CSeq of the same Call-ID than the stored one is stale.
        const cur = m.get(r.contact);
        if (cur && cur.callId === r.callId && cur.cseq > r.cseq) return;
        const now = Date.now();
        m.set(r.contact, { ...r, source: { ...r.source }, registeredAt: r.registeredAt ?? now });
        this.liveBindings(r.accountId, now);
      },
      remove: async (accountId, contact) => {
        const m = this.bindings.get(accountId);
        m?.delete(contact);
        if (m?.size === 0) this.bindings.delete(accountId);
      },
      removeAll: async (accountId) => {
        this.bindings.delete(accountId);
      },
      list: async (accountId) => [...(this.liveBindings(accountId, Date.now())?.values() ?? [])].map(copyBinding),
    };
  }

  private liveLeases(key: string, now: number): Map<string, number> | undefined {
    const m = this.leaseMap.get(key);
    if (m === undefined) return undefined;
    for (const [leaseId, expiresAt] of m) if (expiresAt <= now) m.delete(leaseId);
    if (m.size === 0) {
      this.leaseMap.delete(key);
      return undefined;
    }
    return m;
  }

  private channelLeases(): ChannelLeases {
    return {
      acquire: async (key, leaseId, limit, ttlMs) => {
        const now = Date.now();
        const m = this.liveLeases(key, now) ?? new Map<string, number>();
        // Taking a lease one already holds extends it (a retried acquire must not take a second slot).
        if (!m.has(leaseId) && m.size >= limit) return false;
        m.set(leaseId, now + ttlMs);
        this.leaseMap.set(key, m);
        return true;
      },
      renew: async (key, leaseId, ttlMs) => {
        const now = Date.now();
        const m = this.liveLeases(key, now);
        if (m === undefined || !m.has(leaseId)) return false;
        m.set(leaseId, now + ttlMs);
        return true;
      },
      release: async (key, leaseId) => {
        const m = this.leaseMap.get(key);
        m?.delete(leaseId);
        if (m?.size === 0) this.leaseMap.delete(key);
      },
      count: async (key) => this.liveLeases(key, Date.now())?.size ?? 0,
    };
  }

  private counterStore(): Counters {
    return {
      hit: async (key, windowMs) => {
        const now = Date.now();
        const times = (this.hits.get(key)?.times ?? []).filter((t) => t > now - windowMs);
        times.push(now);
        this.hits.set(key, { times, windowMs });
        return times.length;
      },
      setFlag: async (key, ttlMs) => {
        this.flags.set(key, Date.now() + ttlMs);
      },
      hasFlag: async (key) => {
        const expiresAt = this.flags.get(key);
        if (expiresAt === undefined) return false;
        if (expiresAt > Date.now()) return true;
        this.flags.delete(key);
        return false;
      },
      raiseIfHigher: async (key, value, ttlMs) => {
        const now = Date.now();
        const cur = this.highWater.get(key);
        if (cur !== undefined && cur.expiresAt > now && cur.value >= value) return false;
        this.highWater.set(key, { value, expiresAt: now + ttlMs });
        return true;
      },
    };
  }

  private tokenRepo(): TokenRepo {
    return {
      save: async (t) => {
        // Saving under an existing id replaces that token, including its hash.
        this.deleteToken(t.id);
        this.tokenMap.set(t.id, copy(t));
        this.tokenIdByHash.set(t.hash, t.id);
      },
      findByHash: async (hash) => {
        const id = this.tokenIdByHash.get(hash);
        const t = id === undefined ? undefined : this.tokenMap.get(id);
        return t && copy(t);
      },
      list: async (customerId) =>
        [...this.tokenMap.values()]
          .filter((t) => customerId === undefined || t.customerId === customerId)
          .sort(byCreation)
          .map(copy),
      delete: async (id) => this.deleteToken(id),
    };
  }
}
