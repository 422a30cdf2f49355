import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisHuntGroups } from './RedisHuntGroups.js';
import { redactUrlPassword as redactUrl } from '../config.js';
import type { Logger } from '../logger.js';
import type { ServiceNumber } from '../numbers/NumberTypes.js';
import type { DeviceRepo } from '../provisioning/DeviceTypes.js';
import { redisDeviceRepo } from './RedisDeviceRepo.js';
import { RedisVoicemailRepo } from '../voicemail/RedisVoicemailRepo.js';
import { redisInventoryRepo } from '../inventory/RedisInventoryRepo.js';
import { forgetInventoryCustomer } from '../inventory/forgetCustomer.js';
import type { InventoryRepo } from '../inventory/InventoryTypes.js';
import type { BillingRepo } from '../billing/BillingTypes.js';
import { redisBillingRepo } from '../billing/RedisBillingRepo.js';
import { forgetBillingCustomer } from '../billing/forgetCustomer.js';
import { redisWebLoginRepo } from './RedisWebLoginRepo.js';
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
import {
  ACQUIRE_LEASE,
  ADD_PLAN_VERSION,
  COUNT_LEASES,
  CREATE_ACCOUNT,
  CREATE_NUMBER,
  CREATE_PLAN,
  DELETE_ACCOUNT,
  DELETE_CUSTOMER,
  DELETE_NUMBER,
  DELETE_PLAN,
  DELETE_TOKEN,
  HIT,
  PRUNE_BINDINGS_SCRIPT,
  RAISE_IF_HIGHER,
  RENEW_LEASE,
  SAVE_BINDING,
  SAVE_TOKEN,
  SET_PLAN_LIVE,
  UPDATE_ACCOUNT,
  UPDATE_CUSTOMER,
  UPDATE_NUMBER,
  type LuaScript,
} from './redisScripts.js';
import {
  ConflictError,
  type Account,
  type AccountRepo,
  type ApiToken,
  type ChannelLeases,
  type Counters,
  type Customer,
  type CustomerRepo,
  type HuntGroupStateRepo,
  type LocationStore,
  type NumberRepo,
  type PlanRecord,
  type PlanRepo,
  type PlanVersion,
  type Registration,
  type Store,
  type TokenRepo,
} from './StoreTypes.js';

export interface RedisStoreOptions {
  /** How long ping() waits for PONG before it reports the store unreachable. */
  pingTimeoutMs?: number;
  /** Prefix of every key (default 'cs:'), so tests or several deployments can share one Redis. */
  keyPrefix?: string;
}

/** An update retries this often when another instance changed the record between read and write. */
const MAX_UPDATE_ATTEMPTS = 20;

type ScriptArg = string | number;

/** Redis PX and PEXPIRE want a positive whole number of milliseconds. */
const ms = (ttlMs: number): number => Math.max(1, Math.ceil(ttlMs));

function parseAll<T>(values: (string | null)[]): T[] {
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as T);
}

/**
 * The Redis-backed store, shared by every app instance in production.
 *
 * Key layout (P = key prefix):
 *   P customers, P accounts, P tokens   hashes id → JSON record
 *   P usernames                          hash username → account id (exact, case-sensitive)
 *   P tokenhashes                        hash token hash → token id
 *   P customer:<id>:accounts|tokens      sets of ids, followed by cascade deletes
 *   P account:<id>:tokens                set of the account's user tokens
 *   P reg:<accountId>                    hash contact → '<seq>|<Registration JSON>'
 *   P regexp:<accountId>                 sorted set contact → expiresAt
 *   P regseq                             counter ordering bindings by first registration
 *   P numbers, P plans                  hashes id → JSON record
 *   P e164s                              hash E.164 number → number id
 *   P customer:<id>:numbers|plans        sets of ids, followed by cascade deletes
 *   P plan:<id>:versions                 hash version → JSON version (without its number)
 *   P plan:<id>:vseq                     counter handing out the plan's version numbers
 *   P lease:<key>                        sorted set leaseId → expiry (Redis clock)
 *   P hunt:<customerId>                  hash: hunt group pointers and members' last activity (RedisHuntGroups.ts)
 *   P hits:<key>                         sorted set event → time (sliding window)
 *   P flag:<key>, P high:<key>           strings with PX expiry
 *   P devices, P macs, …                 devices: see deviceLua.ts
 *   P vmboxes, P vmbox:<id>:messages, …  voicemail: see src/voicemail/RedisVoicemailRepo.ts
 *   P inv:<table>, P inv:<table>:customer:<id>  inventory: see src/inventory/RedisInventoryRepo.ts
 *   P inv:billing-<table>                        billing (same table kind): see src/billing/RedisBillingRepo.ts
 *   P weblogins, P webloginnames            web app sign-ins: see src/store/RedisWebLoginRepo.ts
 */
export class RedisStore implements Store {
  readonly customers: CustomerRepo;
  readonly accounts: AccountRepo;
  readonly locations: LocationStore;
  readonly leases: ChannelLeases;
  readonly counters: Counters;
  readonly tokens: TokenRepo;
  readonly numbers: NumberRepo;
  readonly plans: PlanRepo;
  readonly devices: DeviceRepo;
  readonly huntGroups: HuntGroupStateRepo;
  readonly voicemail: RedisVoicemailRepo;
  readonly inventory: InventoryRepo;
  readonly billing: BillingRepo;
  readonly webLogins: ReturnType<typeof redisWebLoginRepo>;

  private readonly redis: Redis;
  private readonly pingTimeoutMs: number;
  private readonly prefix: string;
  private reachable = false;

  constructor(url: string, private readonly logger: Logger, opts: RedisStoreOptions = {}) {
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 1000;
    this.prefix = opts.keyPrefix ?? 'cs:';
    this.redis = new Redis(url, {
      // Fail commands at once while disconnected instead of queueing them: /health must answer
      // promptly, and callers decide themselves whether to retry.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    // Log state changes, not every failed reconnect attempt (one every 2 s while Redis is down).
    this.redis.on('ready', () => {
      this.reachable = true;
      this.logger.info({ redis: redactUrl(url) }, 'redis connected');
    });
    this.redis.on('error', (err: Error) => {
      if (this.reachable) this.logger.warn({ err: err.message, redis: redactUrl(url) }, 'redis unreachable');
      this.reachable = false;
    });
    this.redis.on('end', () => {
      this.reachable = false;
    });
    this.customers = this.customerRepo();
    this.accounts = this.accountRepo();
    this.locations = this.locationStore();
    this.leases = this.channelLeases();
    this.counters = this.counterStore();
    this.tokens = this.tokenRepo();
    this.numbers = this.numberRepo();
    this.plans = this.planRepo();
    this.devices = redisDeviceRepo({ redis: this.redis, prefix: this.prefix, run: (script, keys, args) => this.run(script, keys, args) });
    this.huntGroups = new RedisHuntGroups(this.redis, (customerId) => this.key('hunt', customerId));
    this.voicemail = new RedisVoicemailRepo(this.redis, this.prefix);
    this.inventory = redisInventoryRepo(this.redis, this.prefix);
    this.billing = redisBillingRepo(this.redis, this.prefix);
    this.webLogins = redisWebLoginRepo({ redis: this.redis, prefix: this.prefix, run: (script, keys, args) => this.run(script, keys, args) });
  }

  /** Waits up to `timeoutMs` for the first connection; false when Redis did not answer by then. */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.redis.once('ready', onReady);
    });
  }

  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.pingTimeoutMs);
    });
    try {
      return (await Promise.race([this.redis.ping(), timeout])) === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** EVALSHA, loading the script on NOSCRIPT (first use, or after Redis restarted). */
  private async run(script: LuaScript, keys: string[], args: ScriptArg[]): Promise<number> {
    try {
      return (await this.redis.evalsha(script.sha, keys.length, ...keys, ...args)) as number;
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return (await this.redis.eval(script.source, keys.length, ...keys, ...args)) as number;
    }
  }

  /** Read, patch, compare-and-set; retried while another instance wins the race. */
  private async updateRecord<T>(
    hash: string,
    id: string,
    patch: (cur: T) => T,
    write: (expected: string, next: T) => Promise<number>,
  ): Promise<T | undefined> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const cur = await this.redis.hget(hash, id);
      if (cur === null) return undefined;
      const next = patch(JSON.parse(cur) as T);
      const result = await write(cur, next);
      if (result === 1) return next;
      if (result === 0) return undefined;
      if (result !== -2) throw new Error(`unexpected result ${result} updating ${hash} ${id}`);
    }
    throw new Error(`could not update ${hash} ${id}: changed concurrently ${MAX_UPDATE_ATTEMPTS} times`);
  }

  private customerRepo(): CustomerRepo {
    const hash = this.key('customers');
    return {
      create: async (c) => {
        const customer = newCustomer(c);
        await this.redis.hset(hash, customer.id, JSON.stringify(customer));
        return customer;
      },
      get: async (id) => {
        const v = await this.redis.hget(hash, id);
        return v === null ? undefined : (JSON.parse(v) as Customer);
      },
      list: async () => parseAll<Customer>(await this.redis.hvals(hash)).sort(byCreation),
      update: async (id, patch) =>
        this.updateRecord<Customer>(
          hash,
          id,
          (cur) => patchCustomer(cur, patch),
          (expected, next) => this.run(UPDATE_CUSTOMER, [], [this.prefix, id, expected, JSON.stringify(next)]),
        ),
      delete: async (id) => {
        if ((await this.run(DELETE_CUSTOMER, [], [this.prefix, id])) !== 1) return false;
        await this.voicemail.deleteCustomerBoxes(id);
        await this.webLogins.deleteCustomer(id);
        await forgetInventoryCustomer(this.inventory, id);
        await forgetBillingCustomer(this.billing, id);
        return true;
      },
    };
  }

  private accountRepo(): AccountRepo {
    const hash = this.key('accounts');
    return {
      create: async (a) => {
        const account = newAccount(a);
        const result = await this.run(CREATE_ACCOUNT, [], [
          this.prefix,
          account.id,
          account.username,
          account.customerId,
          JSON.stringify(account),
        ]);
        if (result === 0) throw new ConflictError('username', usernameTaken(account.username));
        if (result === -1) throw new ConflictError('customerId', unknownCustomer(account.customerId));
        return account;
      },
      get: async (id) => {
        const v = await this.redis.hget(hash, id);
        return v === null ? undefined : (JSON.parse(v) as Account);
      },
      getByUsername: async (username) => {
        const id = await this.redis.hget(this.key('usernames'), username);
        if (id === null) return undefined;
        const v = await this.redis.hget(hash, id);
        return v === null ? undefined : (JSON.parse(v) as Account);
      },
      list: async (customerId) => {
        if (customerId === undefined) return parseAll<Account>(await this.redis.hvals(hash)).sort(byCreation);
        const ids = await this.redis.smembers(this.key('customer', customerId, 'accounts'));
        if (ids.length === 0) return [];
        return parseAll<Account>(await this.redis.hmget(hash, ...ids)).sort(byCreation);
      },
      update: async (id, patch) =>
        this.updateRecord<Account>(
          hash,
          id,
          (cur) => patchAccount(cur, patch),
          async (expected, next) => {
            const result = await this.run(UPDATE_ACCOUNT, [], [
              this.prefix,
              id,
              expected,
              JSON.stringify(next),
              next.username,
            ]);
            if (result === -1) throw new ConflictError('username', usernameTaken(next.username));
            return result;
          },
        ),
      delete: async (id) => (await this.run(DELETE_ACCOUNT, [], [this.prefix, id])) === 1,
    };
  }

  private locationStore(): LocationStore {
    const keys = (accountId: string): string[] => [this.key('reg', accountId), this.key('regexp', accountId)];
    const parse = (stored: string): { seq: number; r: Registration } => {
      const bar = stored.indexOf('|');
      return { seq: Number(stored.slice(0, bar)), r: JSON.parse(stored.slice(bar + 1)) as Registration };
    };
    return {
      save: async (r) => {
        const now = Date.now();
        await this.run(
          SAVE_BINDING,
          [...keys(r.accountId), this.key('regseq')],
          [r.contact, JSON.stringify({ ...r, registeredAt: r.registeredAt ?? now }), r.expiresAt, now],
        );
      },
      remove: async (accountId, contact) => {
        const [hash, expiries] = keys(accountId);
        await this.redis.multi().hdel(hash, contact).zrem(expiries, contact).exec();
      },
      removeAll: async (accountId) => {
        await this.redis.del(...keys(accountId));
      },
      list: async (accountId) => {
        const now = Date.now();
        const stored = Object.values(await this.redis.hgetall(this.key('reg', accountId))).map(parse);
        const live = stored.filter((b) => b.r.expiresAt > now);
        // Expiry is enforced here; the prune only keeps the hash from growing.
        if (live.length < stored.length) await this.run(PRUNE_BINDINGS_SCRIPT, keys(accountId), [now]);
        return live.sort((a, b) => a.seq - b.seq).map((b) => b.r);
      },
    };
  }

  private channelLeases(): ChannelLeases {
    return {
      acquire: async (key, leaseId, limit, ttlMs) =>
        (await this.run(ACQUIRE_LEASE, [this.key('lease', key)], [leaseId, limit, ms(ttlMs)])) === 1,
      renew: async (key, leaseId, ttlMs) =>
        (await this.run(RENEW_LEASE, [this.key('lease', key)], [leaseId, ms(ttlMs)])) === 1,
      release: async (key, leaseId) => {
        await this.redis.zrem(this.key('lease', key), leaseId);
      },
      count: async (key) => this.run(COUNT_LEASES, [this.key('lease', key)], []),
    };
  }

  private counterStore(): Counters {
    return {
      hit: async (key, windowMs) => this.run(HIT, [this.key('hits', key)], [ms(windowMs), randomUUID()]),
      setFlag: async (key, ttlMs) => {
        await this.redis.set(this.key('flag', key), '1', 'PX', ms(ttlMs));
      },
      hasFlag: async (key) => (await this.redis.exists(this.key('flag', key))) === 1,
      raiseIfHigher: async (key, value, ttlMs) =>
        (await this.run(RAISE_IF_HIGHER, [this.key('high', key)], [value, ms(ttlMs)])) === 1,
    };
  }

  private tokenRepo(): TokenRepo {
    const hash = this.key('tokens');
    return {
      save: async (t) => {
        await this.run(SAVE_TOKEN, [], [this.prefix, t.id, t.hash, t.customerId ?? '', t.accountId ?? '', JSON.stringify(t)]);
      },
      findByHash: async (tokenHash) => {
        const id = await this.redis.hget(this.key('tokenhashes'), tokenHash);
        if (id === null) return undefined;
        const v = await this.redis.hget(hash, id);
        return v === null ? undefined : (JSON.parse(v) as ApiToken);
      },
      list: async (customerId) => {
        if (customerId === undefined) return parseAll<ApiToken>(await this.redis.hvals(hash)).sort(byCreation);
        const ids = await this.redis.smembers(this.key('customer', customerId, 'tokens'));
        if (ids.length === 0) return [];
        return parseAll<ApiToken>(await this.redis.hmget(hash, ...ids)).sort(byCreation);
      },
      delete: async (id) => (await this.run(DELETE_TOKEN, [], [this.prefix, id])) === 1,
    };
  }

  /** The records of a customer's index set, or all records of the hash. */
  private async listRecords<T extends { id: string; createdAt: number }>(
    hash: string,
    index: string,
    customerId: string | undefined,
  ): Promise<T[]> {
    if (customerId === undefined) return parseAll<T>(await this.redis.hvals(hash)).sort(byCreation);
    const ids = await this.redis.smembers(this.key('customer', customerId, index));
    if (ids.length === 0) return [];
    return parseAll<T>(await this.redis.hmget(hash, ...ids)).sort(byCreation);
  }

  private numberRepo(): NumberRepo {
    const hash = this.key('numbers');
    const read = async (id: string): Promise<ServiceNumber | undefined> => {
      const v = await this.redis.hget(hash, id);
      return v === null ? undefined : (JSON.parse(v) as ServiceNumber);
    };
    return {
      create: async (n) => {
        const number = newServiceNumber(n);
        const result = await this.run(CREATE_NUMBER, [], [
          this.prefix,
          number.id,
          number.e164,
          number.customerId,
          JSON.stringify(number),
        ]);
        if (result === 0) throw new ConflictError('e164', numberTaken(number.e164));
        if (result === -1) throw new ConflictError('customerId', unknownCustomer(number.customerId));
        return number;
      },
      get: read,
      getByE164: async (e164) => {
        const id = await this.redis.hget(this.key('e164s'), e164);
        return id === null ? undefined : read(id);
      },
      list: async (customerId) => this.listRecords<ServiceNumber>(hash, 'numbers', customerId),
      update: async (id, patch) =>
        this.updateRecord<ServiceNumber>(
          hash,
          id,
          (cur) => patchServiceNumber(cur, patch),
          async (expected, next) => {
            const result = await this.run(UPDATE_NUMBER, [], [this.prefix, id, expected, JSON.stringify(next), next.e164]);
            if (result === -1) throw new ConflictError('e164', numberTaken(next.e164));
            return result;
          },
        ),
      delete: async (id) => (await this.run(DELETE_NUMBER, [], [this.prefix, id])) === 1,
    };
  }

  private planRepo(): PlanRepo {
    const hash = this.key('plans');
    const versions = (planId: string): string => this.key('plan', planId, 'versions');
    /** A version is stored without its number (the hash field), so the script never re-encodes the document. */
    type StoredVersion = Omit<PlanVersion, 'version'>;
    const parseVersion = (version: number, json: string): PlanVersion => {
      const { planId, plan, createdAt, createdBy, note } = JSON.parse(json) as StoredVersion;
      return newPlanVersion(planId, version, plan, createdBy, note, createdAt);
    };
    return {
      create: async (p) => {
        const plan = newPlan(p);
        const result = await this.run(CREATE_PLAN, [], [this.prefix, plan.id, plan.customerId, JSON.stringify(plan)]);
        if (result === -1) throw new ConflictError('customerId', unknownCustomer(plan.customerId));
        return plan;
      },
      get: async (id) => {
        const v = await this.redis.hget(hash, id);
        return v === null ? undefined : (JSON.parse(v) as PlanRecord);
      },
      list: async (customerId) => this.listRecords<PlanRecord>(hash, 'plans', customerId),
      addVersion: async (planId, plan, createdBy, note) => {
        const draft = newPlanVersion(planId, 0, plan, createdBy, note);
        const { version: _unnumbered, ...stored } = draft;
        const version = await this.run(ADD_PLAN_VERSION, [], [this.prefix, planId, JSON.stringify(stored)]);
        if (version === 0) throw new ConflictError('planId', unknownPlan(planId));
        // What the reader gets back: the document as JSON round-trips it, like every later read.
        return parseVersion(version, JSON.stringify(stored));
      },
      getVersion: async (planId, version) => {
        if (!Number.isInteger(version) || version < 1) return undefined;
        const v = await this.redis.hget(versions(planId), String(version));
        return v === null ? undefined : parseVersion(version, v);
      },
      listVersions: async (planId) =>
        Object.entries(await this.redis.hgetall(versions(planId)))
          .map(([field, json]) => parseVersion(Number(field), json))
          .sort((a, b) => a.version - b.version),
      setLive: async (planId, version) => {
        if (!Number.isInteger(version) || version < 1) {
          if ((await this.redis.hexists(hash, planId)) === 0) return undefined;
          throw new ConflictError('version', unknownVersion(planId, version));
        }
        return this.updateRecord<PlanRecord>(
          hash,
          planId,
          (cur) => ({ ...cur, liveVersion: version }),
          async (expected, next) => {
            const result = await this.run(SET_PLAN_LIVE, [], [this.prefix, planId, expected, JSON.stringify(next), version]);
            if (result === -1) throw new ConflictError('version', unknownVersion(planId, version));
            return result;
          },
        );
      },
      delete: async (id) => (await this.run(DELETE_PLAN, [], [this.prefix, id])) === 1,
    };
  }
}
