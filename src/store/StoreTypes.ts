/**
 * The shared state of ContactSuite, as the app sees it. Two implementations: memory (one
 * instance, development and tests) and Redis (several app instances share registrations,
 * channel leases and counters). One contract test suite runs against both.
 *
 * Ids are opaque strings (UUID v4). Times are epoch milliseconds. Every method may reject when
 * the backing store fails; callers decide what a failure means for a call.
 */
import type { Peer } from '../engine/transport/TransportTypes.js';
import type { ServiceNumber } from '../numbers/NumberTypes.js';
import type { DeviceRepo } from '../provisioning/DeviceTypes.js';
import type { VoicemailRepo } from '../voicemail/VoicemailTypes.js';
import type { InventoryRepo } from '../inventory/InventoryTypes.js';
import type { BillingRepo } from '../billing/BillingTypes.js';

export type CustomerStatus = 'active' | 'suspended';

/** A business customer ("klant") of the operator. */
export interface Customer {
  id: string;
  name: string;
  status: CustomerStatus;
  /** Outbound spend allowed per month, in euro cents (default 10,000 = EUR 100). */
  creditLimitCents: number;
  createdAt: number;
}

/** A SIP account: one desk phone line or softphone login ("VoIP-account"). */
export interface Account {
  id: string;
  customerId: string;
  /** SIP username and extension, unique across the platform (digest username). */
  username: string;
  displayName: string;
  /** The SIP password, AES-256-GCM encrypted (see secrets.ts); never logged, never returned by the API. */
  passwordEnc: string;
  /** Concurrent calls allowed ("maximaal 2 doorgangen"). */
  channelLimit: number;
  /** Certified device model, when a phone is bound (provisioning issue). */
  deviceModel?: string;
  createdAt: number;
}

/** One registered contact of an account (RFC 3261 §10.3): a binding with its own expiry. */
export interface Registration {
  accountId: string;
  /** The Contact URI as the phone registered it. */
  contact: string;
  /**
   * Where the REGISTER came from. Calls to the phone go there (NAT: the Contact may name a
   * private address), over the same transport.
   */
  source: Peer;
  /** The engine socket it arrived on, e.g. 'udp/127.0.0.1:5060' (for multi-homed engines). */
  receivedOn?: string;
  callId: string;
  cseq: number;
  expiresAt: number;
  userAgent?: string;
  /** RFC 5626 +sip.instance, when the phone sends one. */
  instance?: string;
  /** Epoch ms when the phone's latest REGISTER (first or refresh) was accepted: "last seen". */
  registeredAt: number;
}

/** A binding to save: registeredAt defaults to the time of the save (the REGISTER's acceptance). */
export type NewRegistration = Omit<Registration, 'registeredAt'> & { registeredAt?: number };

export type NewCustomer = Omit<Customer, 'id' | 'createdAt'>;
export type NewAccount = Omit<Account, 'id' | 'createdAt'>;

export class ConflictError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export interface CustomerRepo {
  create(c: NewCustomer): Promise<Customer>;
  get(id: string): Promise<Customer | undefined>;
  list(): Promise<Customer[]>;
  update(id: string, patch: Partial<NewCustomer>): Promise<Customer | undefined>;
  /** Deletes the customer and all its accounts (and their registrations), numbers and plans. False if unknown. */
  delete(id: string): Promise<boolean>;
}

export interface AccountRepo {
  /** Rejects with ConflictError('username', …) when the username is taken. */
  create(a: NewAccount): Promise<Account>;
  get(id: string): Promise<Account | undefined>;
  getByUsername(username: string): Promise<Account | undefined>;
  list(customerId?: string): Promise<Account[]>;
  /** Rejects with ConflictError on a username clash. */
  update(id: string, patch: Partial<Omit<NewAccount, 'customerId'>>): Promise<Account | undefined>;
  delete(id: string): Promise<boolean>;
}

/** The location service (RFC 3261 §10): an account's current contacts. */
export interface LocationStore {
  /** Add or refresh a binding (same accountId + contact replaces, unless the stored one has a higher CSeq of the same Call-ID). */
  save(r: NewRegistration): Promise<void>;
  remove(accountId: string, contact: string): Promise<void>;
  removeAll(accountId: string): Promise<void>;
  /** Unexpired bindings only, oldest first. */
  list(accountId: string): Promise<Registration[]>;
}

/**
 * Channel slots as leases: taking one is atomic across instances; a lease that is not renewed
 * expires by itself, so an app instance that dies does not leak slots.
 */
export interface ChannelLeases {
  /** Take a slot under `key` (e.g. 'account:<id>') if fewer than `limit` live leases exist. */
  acquire(key: string, leaseId: string, limit: number, ttlMs: number): Promise<boolean>;
  /** Extend a live lease; false if it had already expired or was released. */
  renew(key: string, leaseId: string, ttlMs: number): Promise<boolean>;
  release(key: string, leaseId: string): Promise<void>;
  /** Live leases under `key`. */
  count(key: string): Promise<number>;
}

/** Sliding counters and short-lived flags (auth throttling, blocks, nonce replay). */
export interface Counters {
  /** Count one event under `key` and return how many happened within the last `windowMs`. */
  hit(key: string, windowMs: number): Promise<number>;
  /** Set a flag that expires (e.g. a blocked source address). */
  setFlag(key: string, ttlMs: number): Promise<void>;
  hasFlag(key: string): Promise<boolean>;
  /**
   * Atomically raise a stored number to `value` if it is higher, returning true; false (and no
   * change) when the stored number is already >= value. Used for digest nonce-count replay
   * checks. The entry expires after `ttlMs`.
   */
  raiseIfHigher(key: string, value: number, ttlMs: number): Promise<boolean>;
}

export type TokenRole = 'platform' | 'beheerder' | 'gebruiker';

/** An API bearer token. Only its SHA-256 hash is stored. */
export interface ApiToken {
  id: string;
  hash: string;
  role: TokenRole;
  /** beheerder and gebruiker: the customer it belongs to. */
  customerId?: string;
  /** gebruiker: its own account. */
  accountId?: string;
  label: string;
  createdAt: number;
  /** A sign-in token (POST /session) stops working at this instant (ms); API tokens have none. */
  expiresAt?: number;
  /** A sign-in token: the WebLogin it was issued to (deleting the sign-in or changing its password revokes it). */
  webLoginId?: string;
}

/**
 * A username/password sign-in for the web app (beheerder or VoIP user). Only the scrypt hash of
 * the password is stored (src/api/passwords.ts); signing in yields a short-lived ApiToken.
 */
export interface WebLogin {
  id: string;
  /** Unique over all customers; stored lower case. */
  username: string;
  role: 'beheerder' | 'gebruiker';
  customerId: string;
  /** gebruiker: the SIP account whose screens it sees. */
  accountId?: string;
  /** 'scrypt$N$r$p$<salt b64>$<key b64>' */
  passwordHash: string;
  createdAt: number;
}

export type NewWebLogin = Omit<WebLogin, 'id' | 'createdAt'>;

export interface WebLoginRepo {
  /** Rejects with ConflictError('username') when taken, ConflictError('customerId') for an unknown customer. */
  create(l: NewWebLogin): Promise<WebLogin>;
  get(id: string): Promise<WebLogin | undefined>;
  findByUsername(username: string): Promise<WebLogin | undefined>;
  /** Oldest first; one customer's or all. */
  list(customerId?: string): Promise<WebLogin[]>;
  setPasswordHash(id: string, passwordHash: string): Promise<WebLogin | undefined>;
  delete(id: string): Promise<boolean>;
}

export interface TokenRepo {
  save(t: ApiToken): Promise<void>;
  findByHash(hash: string): Promise<ApiToken | undefined>;
  list(customerId?: string): Promise<ApiToken[]>;
  delete(id: string): Promise<boolean>;
}

export type NewServiceNumber = Omit<ServiceNumber, 'id' | 'createdAt'>;

/** A number never moves to another customer; an explicit `undefined` removes planId or tariff. */
export type ServiceNumberPatch = Partial<Omit<NewServiceNumber, 'customerId'>>;

/** The customer's service numbers (0800, 090x, 18xy, 085/088, geographic), unique by E.164. */
export interface NumberRepo {
  /** Rejects with ConflictError('e164') on duplicates, ConflictError('customerId') for an unknown customer. */
  create(n: NewServiceNumber): Promise<ServiceNumber>;
  get(id: string): Promise<ServiceNumber | undefined>;
  getByE164(e164: string): Promise<ServiceNumber | undefined>;
  list(customerId?: string): Promise<ServiceNumber[]>;
  /** Rejects with ConflictError('e164') when changing to a number that is taken. */
  update(id: string, patch: ServiceNumberPatch): Promise<ServiceNumber | undefined>;
  delete(id: string): Promise<boolean>;
}

/** A call plan ("belplan"): a name and its numbered versions, one of which is live. */
export interface PlanRecord {
  id: string;
  customerId: string;
  name: string;
  /** the version callers get */
  liveVersion?: number;
  createdAt: number;
}

/** One saved plan document. Versions are never changed; restoring copies one into a new version. */
export interface PlanVersion {
  planId: string;
  /** 1, 2, … per plan, without gaps */
  version: number;
  /** a plan document valid against src/plans/schema.ts */
  plan: unknown;
  createdAt: number;
  createdBy: string;
  note?: string;
}

export interface PlanRepo {
  /** Rejects with ConflictError('customerId') for an unknown customer. */
  create(p: { customerId: string; name: string }): Promise<PlanRecord>;
  get(id: string): Promise<PlanRecord | undefined>;
  list(customerId?: string): Promise<PlanRecord[]>;
  /** The next version number, taken atomically. Rejects with ConflictError('planId') for an unknown plan. */
  addVersion(planId: string, plan: unknown, createdBy: string, note?: string): Promise<PlanVersion>;
  getVersion(planId: string, version: number): Promise<PlanVersion | undefined>;
  /** Oldest first. */
  listVersions(planId: string): Promise<PlanVersion[]>;
  /**
   * Make a version live (publish, or restore an earlier one). Undefined for an unknown plan;
   * rejects with ConflictError('version') when the plan has no such version.
   */
  setLive(planId: string, version: number): Promise<PlanRecord | undefined>;
  /** Deletes the plan with its versions; numbers that used it lose their planId. */
  delete(id: string): Promise<boolean>;
}

/** What a hunt group remembers between calls (shared through the store, so every app instance rotates alike). */
export interface HuntMemory {
  /** The member who answered the group's last answered call (round-robin starts after it). */
  lastAnswered?: string;
  /** Member → when its last hunt-group call was answered or ended (ms), whichever came last. */
  lastActivity: Record<string, number>;
}

/**
 * Hunt group state per customer: the round-robin pointer per group (a stable key: plan and node
 * id) and the members' last activity (customer-wide, so longest-idle sees calls from every
 * group). Members are named 'account:<username>' or 'number:<e164>'. Deleted with the customer.
 */
export interface HuntGroupStateRepo {
  /** The group's memory; lastActivity holds only `members` that have any. */
  get(customerId: string, group: string, members: readonly string[]): Promise<HuntMemory>;
  /** `member` answered a call to `group` at `at`: the group's pointer moves to it. */
  answered(customerId: string, group: string, member: string, at: number): Promise<void>;
  /** `member`'s call from a hunt group ended at `at`. */
  ended(customerId: string, member: string, at: number): Promise<void>;
}

export interface Store {
  readonly customers: CustomerRepo;
  readonly accounts: AccountRepo;
  readonly locations: LocationStore;
  readonly leases: ChannelLeases;
  readonly counters: Counters;
  readonly tokens: TokenRepo;
  readonly numbers: NumberRepo;
  readonly plans: PlanRepo;
  /** Provisioned phones (src/provisioning/DeviceTypes.ts). */
  readonly devices: DeviceRepo;
  readonly huntGroups: HuntGroupStateRepo;
  /** Voicemail boxes and message metadata (src/voicemail/); deleted with the customer. */
  readonly voicemail: VoicemailRepo;
  /** Number stock, orders, contracts and tariff changes (src/inventory/); a deleted customer's orders, contracts and changes go with it. */
  readonly inventory: InventoryRepo;
  /** Invoices, credit notes, outpayment statements, billing settings (src/billing/); a deleted customer's settings go, its issued documents stay (fiscal retention). */
  readonly billing: BillingRepo;
  /** Web app sign-ins with username and password; deleted with the customer. */
  readonly webLogins: WebLoginRepo;
  /** True when the store answers; never throws (a failure is `false`). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
