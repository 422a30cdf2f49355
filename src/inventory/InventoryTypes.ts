/**
 * Number inventory ("nummervoorraad"), orders and contracts. The providers sell "direct
 * beschikbare" numbers (in stock, live within a working day; a 090x one carries an existing caller
 * tariff) and "mooie nummers" (a chosen number that is not in stock and needs an ACM assignment
 * first, about three weeks). Terms: a 12-month minimum, then tacit renewal with one month's notice.
 *
 * Dates a person reads ('YYYY-MM-DD') are Europe/Amsterdam calendar dates; instants are epoch ms.
 */
import type { NumberType, Tariff } from '../numbers/NumberTypes.js';

export const INVENTORY_STATES = [
  'available',
  'reserved',
  'ordered',
  'awaiting_acm',
  'active',
  'suspended',
  'cancelled',
  'quarantined',
] as const;
export type InventoryState = (typeof INVENTORY_STATES)[number];

/** Who changed a record: 'platform', 'beheerder:<tokenId>', 'system' (expiry, schedule), 'cli'. */
export type Actor = string;

/** One recorded state change ("who and when"). `from` is absent for the first state. */
export interface StateChange {
  from?: InventoryState;
  to: InventoryState;
  at: number;
  by: Actor;
  reason?: string;
}

/** Records every table keeps: a stable id, the customer (index for listing and cascade), and a version for compare-and-set writes. */
export interface VersionedRecord {
  id: string;
  customerId?: string;
  /** 1 on insert, +1 on every write; a write with a stale version is refused. */
  version: number;
}

/** One number of the stock. Its id is its E.164 form ('+318580010000'). */
export interface InventoryNumber extends VersionedRecord {
  type: NumberType;
  state: InventoryState;
  /** 'stock': imported, direct available; 'chosen': a number a customer chose, ordered before it was ours. */
  origin: 'stock' | 'chosen';
  /** Direct-available 090x/18xy numbers come with the caller tariff already registered. */
  tariff?: Tariff;
  /** The customer holding it (reserved … suspended). */
  customerId?: string;
  orderId?: string;
  /** reserved: when the reservation lapses (ms). */
  reservedUntil?: number;
  /** quarantined: from when it may be issued again (ms). */
  quarantinedUntil?: number;
  history: StateChange[];
  createdAt: number;
}

export type OrderStatus = 'reserved' | 'confirmed' | 'awaiting_acm' | 'active' | 'cancelled';

/** An order of one number by one customer. Invoiced later (issue 12 reads orders by customer and month). */
export interface Order extends VersionedRecord {
  customerId: string;
  /** E.164 */
  e164: string;
  type: NumberType;
  /** 'direct': from stock; 'chosen': a "mooi nummer" that needs an ACM assignment. */
  kind: 'direct' | 'chosen';
  status: OrderStatus;
  /** The call plan the number gets on activation. */
  planId?: string;
  /** The caller tariff on activation (090x/18xy): the stock number's, or the one asked for a chosen number. */
  tariff?: Tariff;
  /** Where the order confirmation goes. */
  email: string;
  createdAt: number;
  createdBy: Actor;
  reservedUntil?: number;
  confirmedAt?: number;
  /** 'YYYY-MM' (Amsterdam) of the confirmation: the month it is invoiced in. */
  month?: string;
  acm?: { reference: string; assignedOn: string; recordedAt: number };
  activatedAt?: number;
  /** The customer's ServiceNumber created on activation. */
  numberId?: string;
  cancelledAt?: number;
  history: { status: OrderStatus; at: number; by: Actor }[];
}

export type ContractStatus = 'running' | 'notice_given' | 'ended';

/** The contract of an active number: 12-month minimum, then tacit renewal with one month's notice. */
export interface Contract extends VersionedRecord {
  customerId: string;
  orderId: string;
  e164: string;
  numberId: string;
  /** 'YYYY-MM-DD': the order confirmation (the customer's signature). */
  signedOn: string;
  /** 'YYYY-MM-DD': the first call to the number, from the CDR hook (src/cdr/callRecords.ts onCallStarted). */
  firstTrafficOn?: string;
  /** The earlier of signedOn and firstTrafficOn. */
  startOn: string;
  minimumMonths: number;
  /** 'YYYY-MM' (Amsterdam) of startOn: the first month invoiced. */
  month: string;
  status: ContractStatus;
  noticeGivenOn?: string;
  /** Last day of service (inclusive), once notice was given. */
  endOn?: string;
  endedAt?: number;
  createdAt: number;
}

export type TariffChangeStatus = 'pending' | 'applied' | 'withdrawn';

/** A request to change the caller tariff of a 090x/18xy number; effective after N working days. */
export interface TariffChange extends VersionedRecord {
  customerId: string;
  numberId: string;
  e164: string;
  tariff: Tariff;
  requestedAt: number;
  requestedBy: Actor;
  /** 'YYYY-MM-DD' (Amsterdam): the first day callers hear the new tariff (from 00:00). */
  effectiveOn: string;
  /** ms of 00:00 Amsterdam on effectiveOn. */
  effectiveAt: number;
  status: TariffChangeStatus;
  appliedAt?: number;
  /** true: the platform's immediate correction (PATCH /numbers/{id}), applied when made, not a request. */
  correction?: boolean;
}

/** A customer deleted while numbers were held for it (id = customerId): the schedule releases those numbers. */
export interface CustomerRelease extends VersionedRecord {
  at: number;
}

/**
 * One kind of record with compare-and-set writes. Every inventory table (numbers, orders,
 * contracts, tariff changes) is one of these, in memory or in Redis. Besides customerId, a table
 * keeps an index (a set of ids per value) on the fields K, updated in the same atomic step as the
 * record, so the schedule and the search read only the records in one state, not the whole table.
 */
export interface RecordTable<T extends VersionedRecord, K extends IndexField<T> = never> {
  /** Inserts records whose id is new; returns the ids that existed already (left untouched). */
  insert(records: T[]): Promise<string[]>;
  get(id: string): Promise<T | undefined>;
  getMany(ids: string[]): Promise<(T | undefined)[]>;
  list(): Promise<T[]>;
  listByCustomer(customerId: string): Promise<T[]>;
  /** The records whose indexed fields have all the given values, read through the indexes (unordered). */
  listWhere(match: Partial<Record<K, string>>): Promise<T[]>;
  /** The ids in the indexes for those values (at least one field); an entry may be a moment stale, so check the records read. */
  idsWhere(match: Partial<Record<K, string>>): Promise<string[]>;
  /** Writes `next` if the stored version is next.version - 1; false when it changed meanwhile or is gone. */
  replace(next: T): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

/** String fields a table may index. */
export type IndexField<T> = { [F in keyof T & string]: T[F] extends string | undefined ? F : never }[keyof T & string];

/** The inventory's part of the Store. */
export interface InventoryRepo {
  readonly numbers: RecordTable<InventoryNumber, 'state' | 'type'>;
  readonly orders: RecordTable<Order>;
  readonly contracts: RecordTable<Contract, 'status'>;
  readonly tariffChanges: RecordTable<TariffChange, 'status'>;
  /** Customers deleted with numbers still held: the schedule releases them, then drops the entry. */
  readonly releases: RecordTable<CustomerRelease>;
}

/** The indexed fields of each table (besides customerId), for both implementations. */
export const INDEXED = {
  numbers: ['state', 'type'],
  orders: [],
  contracts: ['status'],
  tariffChanges: ['status'],
  releases: [],
} as const;
