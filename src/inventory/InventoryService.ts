/**
 * The number inventory at work: import, search, orders from reservation to activation, contracts
 * and tariff changes, and the schedule (tick) that lets reservations lapse, ends contracts,
 * ends quarantines and applies due tariff changes. State rules are the pure functions beside
 * this file; this class reads, checks, and writes with compare-and-set.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { MailOutbox } from '../mail/MailOutbox.js';
import type { ServiceNumber, Tariff } from '../numbers/NumberTypes.js';
import { parseServiceNumber } from '../numbers/normalize.js';
import { validateTariff } from '../numbers/tariff.js';
import { ConflictError, type Store } from '../store/StoreTypes.js';
import { adoptServiceNumber, adoptServiceNumbers, recordMissingReleases } from './adopt.js';
import { FRESH_ASSIGNMENT, resumeAssignment } from './directAssignment.js';
import { amsterdamDate, monthOf, startOfDay } from './calendar.js';
import { checkNotice, newContract, withFirstTraffic } from './contracts.js';
import { parseInventoryCsv, type ImportedNumber, type ImportError } from './import.js';
import type { Actor, Contract, InventoryNumber, InventoryState, Order, RecordTable, TariffChange, VersionedRecord } from './InventoryTypes.js';
import { InventoryRefusal, orderConfirmationMail, stepOrder } from './orders.js';
import { searchCandidates, type NumberSearch, type Page } from './search.js';
import { applyTransition, HELD_STATES, TRANSITIONS, TransitionRefused, type TransitionExtras } from './states.js';
import { effectiveTariff, tariffChangeOf, tariffEffectiveOn } from './tariffChanges.js';

export interface InventoryOptions {
  /** How long a picked number stays reserved for an unconfirmed order. */
  reservationMinutes: number;
  /** How long an ended number is not reissued. */
  quarantineDays: number;
  /** Working days (NL) before a tariff change takes effect. */
  tariffChangeWorkingDays: number;
  /** Activate a confirmed direct order at once instead of waiting for an admin. */
  autoActivate: boolean;
}

export const DEFAULT_INVENTORY_OPTIONS: InventoryOptions = {
  reservationMinutes: 60,
  quarantineDays: 90,
  tariffChangeWorkingDays: 5,
  autoActivate: false,
};

export interface InventoryDeps {
  store: Store;
  /** Order confirmations; unset: none are sent (logged). */
  outbox?: MailOutbox;
  options?: Partial<InventoryOptions>;
  logger: Logger;
  /** The clock (injected in tests). */
  now?: () => number;
}

export interface NewOrderInput {
  customerId: string;
  /** Any Dutch notation. */
  number: string;
  kind: 'direct' | 'chosen';
  planId?: string;
  /** Chosen 090x/18xy numbers: the tariff asked for (a direct number keeps its registered tariff). */
  tariff?: Tariff;
  email: string;
}

/** POST /customers/{id}/numbers: a number put live for a customer in one step (assignDirect). */
export interface DirectAssignment {
  customerId: string;
  /** Any Dutch notation. */
  number: string;
  status: 'active' | 'suspended';
  planId?: string;
  /** The caller tariff (checked by the caller); unset: the stock number's registered tariff. */
  tariff?: Tariff;
}

/** The moves an admin makes directly (target ← from); the rest of the table belongs to orders and the schedule. */
const ADMIN_MOVES: Partial<Record<InventoryState, readonly InventoryState[]>> = {
  suspended: ['active'],
  active: ['suspended'],
  cancelled: ['active', 'suspended'],
  quarantined: ['cancelled'],
  available: ['quarantined'],
};

const MAX_WRITE_ATTEMPTS = 20;
const DAY_MS = 86_400_000;

function e164Of(input: string): string {
  const parsed = parseServiceNumber(input);
  if ('error' in parsed) throw new InventoryRefusal(400, 'number', parsed.error);
  return parsed.e164;
}

export class InventoryService {
  readonly options: InventoryOptions;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly deps: InventoryDeps) {
    this.store = deps.store;
    this.options = { ...DEFAULT_INVENTORY_OPTIONS, ...deps.options };
    this.log = deps.logger.child({ component: 'inventory' });
    this.now = deps.now ?? Date.now;
  }

  private get repo() {
    return this.store.inventory;
  }

  /** Read, change, compare-and-set; retried when another writer came first (the change is re-checked on fresh data). */
  private async update<T extends VersionedRecord>(table: RecordTable<T>, id: string, what: string, change: (cur: T) => T): Promise<T> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const cur = await table.get(id);
      if (!cur) throw new InventoryRefusal(404, what, `${what} ${id} does not exist`);
      const next = change(cur);
      if (next === cur) return cur;
      if (await table.replace(next)) return next;
    }
    throw new Error(`${what} ${id} changed concurrently ${MAX_WRITE_ATTEMPTS} times`);
  }

  private move(e164: string, to: InventoryState, by: Actor, extras: TransitionExtras = {}, guard?: (n: InventoryNumber) => void): Promise<InventoryNumber> {
    return this.update(this.repo.numbers, e164, 'number', (n) => {
      guard?.(n);
      try {
        return applyTransition(n, to, by, this.now(), extras);
      } catch (err) {
        if (err instanceof TransitionRefused) throw new InventoryRefusal(409, 'state', err.reason);
        throw err;
      }
    });
  }

  // ---- stock ----

  /** Parses and imports a CSV file (import.ts); nothing is imported when any line is wrong. */
  async importCsv(text: string, by: Actor): Promise<{ added: number; alreadyInStock: string[]; errors: ImportError[] }> {
    const parsed = parseInventoryCsv(text);
    if (parsed.errors.length > 0) return { added: 0, alreadyInStock: [], errors: parsed.errors };
    return { ...(await this.importNumbers(parsed.numbers, by)), errors: [] };
  }

  /** Adds numbers as available stock; numbers already in the inventory are left as they are. */
  async importNumbers(numbers: readonly ImportedNumber[], by: Actor): Promise<{ added: number; alreadyInStock: string[] }> {
    const at = this.now();
    const records: InventoryNumber[] = numbers.map((n) => ({
      id: n.e164,
      version: 1,
      type: n.type,
      state: 'available',
      origin: 'stock',
      ...(n.tariff === undefined ? {} : { tariff: n.tariff }),
      history: [{ to: 'available', at, by, reason: 'imported' }],
      createdAt: at,
    }));
    const alreadyInStock = await this.repo.numbers.insert(records);
    this.log.info({ added: records.length - alreadyInStock.length, alreadyInStock: alreadyInStock.length, by }, 'numbers imported');
    return { added: records.length - alreadyInStock.length, alreadyInStock };
  }

  async getNumber(number: string): Promise<InventoryNumber | undefined> {
    return this.repo.numbers.get(e164Of(number));
  }

  async search(q: NumberSearch, page: number, pageSize: number): Promise<Page<InventoryNumber>> {
    // The state (and type) index gives the candidates' ids, the pattern is checked on those, and
    // only the page's records are read (or, for a tariff search, the records matching the pattern).
    const ids = await this.repo.numbers.idsWhere({ state: q.state ?? 'available', ...(q.type === undefined ? {} : { type: q.type }) });
    return searchCandidates(ids, q, page, pageSize, (some) => this.repo.numbers.getMany(some));
  }

  /**
   * An admin's state change of a number: suspend, resume, end (cancel), quarantine, release from
   * quarantine. Reserving, ordering and activating go through orders, so that a live number always
   * has its customer's ServiceNumber and contract. Suspend and resume switch the ServiceNumber too
   * (callers hear "not in service" exactly while it is suspended); cancelling removes it and ends
   * the contract.
   */
  async setState(number: string, to: InventoryState, by: Actor, reason?: string): Promise<InventoryNumber> {
    const e164 = e164Of(number);
    const extras: TransitionExtras = { ...(reason === undefined ? {} : { reason }) };
    if (to === 'quarantined') extras.quarantinedUntil = this.now() + this.options.quarantineDays * DAY_MS;
    const moved = await this.move(e164, to, by, extras, (n) => {
      const direct = ADMIN_MOVES[to];
      if (TRANSITIONS[n.state][to] !== undefined && !direct?.includes(n.state)) {
        const order = n.orderId === undefined ? '' : ` ${n.orderId}`;
        throw new InventoryRefusal(409, 'state', `${n.state} → ${to} goes through the order${order}: POST /orders/{id}/confirm, /activate, /acm-assignment or /cancel`);
      }
    });
    const sn = await this.store.numbers.getByE164(e164);
    const holds = sn !== undefined && sn.customerId === moved.customerId;
    if (holds && (to === 'suspended' || to === 'active')) await this.store.numbers.update(sn.id, { status: to });
    if (to === 'cancelled') {
      if (holds) await this.store.numbers.delete(sn.id);
      for (const c of moved.customerId === undefined ? [] : await this.repo.contracts.listByCustomer(moved.customerId)) {
        if (c.e164 !== e164 || c.status === 'ended') continue;
        await this.update(this.repo.contracts, c.id, 'contract', (cur) => ({ ...cur, status: 'ended' as const, endOn: amsterdamDate(this.now()), endedAt: this.now(), version: cur.version + 1 }));
      }
    }
    this.log.info({ e164, to, by }, 'number state changed');
    return moved;
  }

  /**
   * Numbers in service without an inventory record (from before the inventory) are adopted, and
   * numbers held for customers deleted before deletes left a release entry get one (adopt.ts);
   * start.ts runs it once. Returns the numbers adopted.
   */
  async adoptServiceNumbers(): Promise<number> {
    const adopted = await adoptServiceNumbers(this.store, this.log, this.now());
    await recordMissingReleases(this.store, this.log, this.now());
    return adopted;
  }

  /** Makes sure a customer's number has its inventory record before a state change (adopting one from before the inventory). */
  async ensureRecorded(sn: ServiceNumber): Promise<void> {
    if ((await this.repo.numbers.get(sn.e164)) === undefined && (await adoptServiceNumber(this.store, sn, this.now()))) {
      this.log.info({ e164: sn.e164 }, 'service number from before the inventory adopted into it');
    }
  }

  // ---- orders ----

  async createOrder(input: NewOrderInput, by: Actor): Promise<Order> {
    const parsed = parseServiceNumber(input.number);
    if ('error' in parsed) throw new InventoryRefusal(400, 'number', parsed.error);
    const { e164 } = parsed;
    const customer = await this.store.customers.get(input.customerId);
    if (!customer) throw new InventoryRefusal(404, 'customerId', `customer ${input.customerId} does not exist`);
    if (input.planId !== undefined) {
      const plan = await this.store.plans.get(input.planId);
      if (!plan || plan.customerId !== input.customerId) throw new InventoryRefusal(400, 'planId', `"${input.planId}" is not one of this customer's plans`);
    }
    const at = this.now();
    const orderId = randomUUID();
    const reservedUntil = at + this.options.reservationMinutes * 60_000;
    let tariff: Tariff | undefined;
    if (input.kind === 'direct') {
      if (input.tariff !== undefined) {
        throw new InventoryRefusal(400, 'tariff', 'a direct-available number keeps its registered tariff; request a tariff change after activation');
      }
      const moved = await this.move(e164, 'reserved', by, { customerId: input.customerId, orderId, reservedUntil }, (n) => {
        if (n.state !== 'available') throw new InventoryRefusal(409, 'number', `${e164} is not available (it is ${n.state})`);
      });
      tariff = moved.tariff;
    } else {
      const problems = validateTariff(parsed.type, input.tariff);
      if (problems.length > 0) throw new InventoryRefusal(400, 'tariff', problems.join('; '));
      tariff = input.tariff;
      const existing = await this.repo.numbers.get(e164);
      if (existing) {
        throw new InventoryRefusal(409, 'number', existing.state === 'available' ? `${e164} is in stock: order it as a direct number` : `${e164} is not available (it is ${existing.state})`);
      }
      if (await this.store.numbers.getByE164(e164)) throw new InventoryRefusal(409, 'number', `${e164} is already in use`);
      const record: InventoryNumber = {
        id: e164,
        version: 1,
        type: parsed.type,
        state: 'reserved',
        origin: 'chosen',
        customerId: input.customerId,
        orderId,
        reservedUntil,
        history: [{ to: 'reserved', at, by, reason: 'chosen number ordered' }],
        createdAt: at,
      };
      if ((await this.repo.numbers.insert([record])).length > 0) throw new InventoryRefusal(409, 'number', `${e164} was just taken`);
    }
    const order: Order = {
      id: orderId,
      version: 1,
      customerId: input.customerId,
      e164,
      type: parsed.type,
      kind: input.kind,
      status: 'reserved',
      ...(input.planId === undefined ? {} : { planId: input.planId }),
      ...(tariff === undefined ? {} : { tariff }),
      email: input.email,
      createdAt: at,
      createdBy: by,
      reservedUntil,
      history: [{ status: 'reserved', at, by }],
    };
    await this.repo.orders.insert([order]);
    this.log.info({ orderId, customerId: order.customerId, e164, kind: order.kind, by }, 'order created');
    return order;
  }

  async getOrder(orderId: string): Promise<Order | undefined> {
    return this.repo.orders.get(orderId);
  }

  /** Orders, newest first; by customer and/or invoicing month ('YYYY-MM' of the confirmation). */
  async listOrders(filter: { customerId?: string; month?: string } = {}): Promise<Order[]> {
    const all = filter.customerId === undefined ? await this.repo.orders.list() : await this.repo.orders.listByCustomer(filter.customerId);
    return all.filter((o) => filter.month === undefined || o.month === filter.month).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** The customer confirms: the number is ordered, the confirmation mailed; a direct order may activate at once. */
  async confirmOrder(orderId: string, by: Actor): Promise<Order> {
    const order = await this.requireOrder(orderId);
    const at = this.now();
    const next = order.kind === 'direct' ? 'confirmed' : 'awaiting_acm';
    stepOrder(order, next, by, at);
    await this.move(order.e164, 'ordered', by, {}, (n) => this.holds(n, order));
    if (order.kind === 'chosen') await this.move(order.e164, 'awaiting_acm', by);
    const confirmed = await this.update(this.repo.orders, orderId, 'order', (o) => {
      const stepped = stepOrder(o, next, by, at);
      delete stepped.reservedUntil;
      return { ...stepped, confirmedAt: at, month: monthOf(at) };
    });
    await this.mailConfirmation(confirmed);
    this.log.info({ orderId, status: confirmed.status, by }, 'order confirmed');
    if (confirmed.kind === 'direct' && this.options.autoActivate) return this.activateOrder(orderId, 'system');
    return confirmed;
  }

  /** Records the ACM's assignment of a chosen number and activates it. */
  async recordAcmAssignment(orderId: string, acm: { reference: string; assignedOn: string }, by: Actor): Promise<Order> {
    const order = await this.requireOrder(orderId);
    if (order.status !== 'awaiting_acm') throw new InventoryRefusal(409, 'status', `order ${orderId} is ${order.status}, not awaiting an ACM assignment`);
    await this.update(this.repo.orders, orderId, 'order', (o) => ({ ...o, acm: { ...acm, recordedAt: this.now() }, version: o.version + 1 }));
    return this.activateOrder(orderId, by);
  }

  /**
   * Puts the number live: the customer's ServiceNumber (created, or updated when the customer
   * already has it) gets the order's plan and tariff, so calls reach that plan; the contract starts.
   */
  async activateOrder(orderId: string, by: Actor): Promise<Order> {
    const order = await this.requireOrder(orderId);
    const at = this.now();
    stepOrder(order, 'active', by, at);
    if (order.status === 'awaiting_acm' && order.acm === undefined) {
      throw new InventoryRefusal(409, 'acm', `order ${orderId} waits for the ACM assignment: record it first`);
    }
    const existing = await this.store.numbers.getByE164(order.e164);
    if (existing && existing.customerId !== order.customerId) throw new InventoryRefusal(409, 'number', `${order.e164} is in use by another customer`);
    // Already active for this order: an earlier try stopped after this step; it goes on from here.
    const current = await this.repo.numbers.get(order.e164);
    if (current?.state !== 'active' || current.orderId !== order.id) await this.move(order.e164, 'active', by, {}, (n) => this.holds(n, order));
    const fields = { status: 'active' as const, ...(order.planId === undefined ? {} : { planId: order.planId }), ...(order.tariff === undefined ? {} : { tariff: order.tariff }) };
    const sn: ServiceNumber = existing
      ? ((await this.store.numbers.update(existing.id, fields)) ?? existing)
      : await this.store.numbers.create({ customerId: order.customerId, e164: order.e164, type: order.type, ...fields }).catch((err: unknown) => {
          // Another activation of the same order (a retry running at the same time) created it first.
          if (err instanceof ConflictError && err.field === 'e164') throw new InventoryRefusal(409, 'number', err.message);
          throw err;
        });
    const active = await this.update(this.repo.orders, orderId, 'order', (o) => ({ ...stepOrder(o, 'active', by, at), activatedAt: at, numberId: sn.id }));
    const signedOn = amsterdamDate(order.confirmedAt ?? at);
    await this.repo.contracts.insert([newContract({ customerId: order.customerId, orderId, e164: order.e164, numberId: sn.id }, signedOn, at)]);
    this.log.info({ orderId, numberId: sn.id, e164: order.e164, by }, 'order activated');
    return active;
  }

  /** Cancels an order before activation; the number returns to stock (a chosen number is dropped). */
  async cancelOrder(orderId: string, by: Actor, reason?: string): Promise<Order> {
    const order = await this.requireOrder(orderId);
    const at = this.now();
    stepOrder(order, 'cancelled', by, at);
    await this.releaseNumberOf(order, by, reason ?? 'order cancelled');
    const cancelled = await this.update(this.repo.orders, orderId, 'order', (o) => ({ ...stepOrder(o, 'cancelled', by, at), cancelledAt: at }));
    this.log.info({ orderId, by }, 'order cancelled');
    return cancelled;
  }

  private async releaseNumberOf(order: Order, by: Actor, reason: string): Promise<void> {
    const n = await this.repo.numbers.get(order.e164);
    if (!n || n.orderId !== order.id) return;
    // A chosen number was never ours to stock: it leaves the inventory (the order keeps the history).
    if (n.origin === 'chosen') await this.repo.numbers.delete(n.id);
    else await this.move(n.id, 'available', by, { reason });
  }

  private async requireOrder(orderId: string): Promise<Order> {
    const order = await this.repo.orders.get(orderId);
    if (!order) throw new InventoryRefusal(404, 'orderId', `order ${orderId} does not exist`);
    return order;
  }

  /** The number must still be held for this order (a lapsed reservation went back to stock). */
  private holds(n: InventoryNumber, order: Order): void {
    if (n.orderId !== order.id) throw new InventoryRefusal(409, 'number', `${order.e164} is no longer held for order ${order.id} (it is ${n.state})`);
  }

  private async mailConfirmation(order: Order): Promise<void> {
    if (!this.deps.outbox) {
      this.log.warn({ orderId: order.id }, 'no mail outbox: order confirmation not sent');
      return;
    }
    const customer = await this.store.customers.get(order.customerId);
    await this.deps.outbox.enqueue(orderConfirmationMail(order, customer?.name ?? 'klant'));
  }

  /**
   * The platform's direct assignment (POST /customers/{id}/numbers, the demo): one step from stock
   * to live. The number is taken from stock when it is available there, or added to the stock
   * first when the operator never imported it (its history says so); then a direct order is
   * created, confirmed and activated at once with the given plan, tariff and status, so the
   * number has an order, a contract and a history like any other. No confirmation mail: customers
   * carry no e-mail address, and the platform assigning the number has the customer's order in hand.
   *
   * The steps (directAssignment.ts) are separate writes: the reservation carries reservedUntil
   * and the order exists from the reservation on, so a try that stops half-way lapses like any
   * order; a retry for the same customer resumes where it stopped instead of answering 409.
   */
  async assignDirect(input: DirectAssignment, by: Actor): Promise<{ order: Order; number: ServiceNumber }> {
    const parsed = parseServiceNumber(input.number);
    if ('error' in parsed) throw new InventoryRefusal(400, 'number', parsed.error);
    const { e164 } = parsed;
    const customer = await this.store.customers.get(input.customerId);
    if (!customer) throw new InventoryRefusal(404, 'customerId', `customer ${input.customerId} does not exist`);
    const held = await this.repo.numbers.get(e164);
    const heldOrder = held?.orderId === undefined ? undefined : await this.repo.orders.get(held.orderId);
    const resumed = resumeAssignment(held, heldOrder, input.customerId);
    if (resumed === undefined && (await this.store.numbers.getByE164(e164))) throw new InventoryRefusal(409, 'number', `number ${e164} is already in use`);
    if (resumed !== undefined) this.log.info({ e164, state: held?.state, orderId: held?.orderId, steps: resumed, by }, 'direct assignment resumed');
    const orderId = resumed === undefined ? randomUUID() : (held?.orderId ?? '');
    let tariff = input.tariff ?? held?.tariff;
    let order: Order | undefined;
    for (const step of resumed ?? FRESH_ASSIGNMENT) {
      const at = this.now();
      switch (step) {
        case 'reserve': {
          const moved = await this.reserveForAssignment(parsed, input, orderId, by);
          tariff = input.tariff ?? moved.tariff;
          break;
        }
        case 'insert-order': {
          const reservedUntil = at + this.options.reservationMinutes * 60_000;
          const fresh: Order = {
            id: orderId,
            version: 1,
            customerId: input.customerId,
            e164,
            type: parsed.type,
            kind: 'direct',
            status: 'reserved',
            ...(input.planId === undefined ? {} : { planId: input.planId }),
            ...(tariff === undefined ? {} : { tariff }),
            // No address: isDirectAssignmentOrder tells a resumable assignment by it.
            email: '',
            createdAt: at,
            createdBy: by,
            reservedUntil,
            history: [{ status: 'reserved', at, by }],
          };
          // Two tries resuming at once: the one whose order is in goes on, the other stops here.
          if ((await this.repo.orders.insert([fresh])).length > 0) throw new InventoryRefusal(409, 'number', `${e164}: another try of this assignment wrote order ${orderId} just now`);
          break;
        }
        case 'order-number':
          await this.move(e164, 'ordered', by, { reason: 'direct assignment' }, (n) => {
            if (n.orderId !== orderId) throw new InventoryRefusal(409, 'number', `${e164} is no longer held for order ${orderId} (it is ${n.state})`);
          });
          break;
        case 'confirm-order':
          await this.update(this.repo.orders, orderId, 'order', (o) => {
            const stepped = stepOrder(o, 'confirmed', by, at);
            delete stepped.reservedUntil;
            return { ...stepped, confirmedAt: at, month: monthOf(at) };
          });
          break;
        case 'activate':
          // A resumed try takes this try's plan and tariff.
          await this.update(this.repo.orders, orderId, 'order', (o) => {
            if (o.planId === input.planId && JSON.stringify(o.tariff) === JSON.stringify(tariff)) return o;
            const next: Order = { ...o, version: o.version + 1 };
            delete next.planId;
            delete next.tariff;
            return { ...next, ...(input.planId === undefined ? {} : { planId: input.planId }), ...(tariff === undefined ? {} : { tariff }) };
          });
          order = await this.activateOrder(orderId, by);
          break;
      }
    }
    if (order === undefined) throw new Error(`direct assignment of ${e164}: no activation step ran`);
    if (input.status === 'suspended') await this.setState(e164, 'suspended', by, 'assigned suspended');
    const sn = await this.store.numbers.get(order.numberId ?? '');
    if (!sn) throw new Error(`direct assignment of ${e164}: the service number vanished right after activation`);
    return { order, number: sn };
  }

  /** assignDirect's first step: the number from stock (added to it when never imported) is reserved for the order. */
  private async reserveForAssignment(parsed: { e164: string; type: InventoryNumber['type'] }, input: DirectAssignment, orderId: string, by: Actor): Promise<InventoryNumber> {
    const { e164 } = parsed;
    const at = this.now();
    const reason = 'added to the stock for a direct assignment (never imported)';
    const record: InventoryNumber = {
      id: e164,
      version: 1,
      type: parsed.type,
      state: 'available',
      origin: 'stock',
      ...(input.tariff === undefined ? {} : { tariff: input.tariff }),
      history: [{ to: 'available', at, by, reason }],
      createdAt: at,
    };
    // Insert-if-new: when it is (or just became) stock, the reservation below decides who gets it.
    const added = (await this.repo.numbers.insert([record])).length === 0;
    if (added) this.log.info({ e164, by }, 'number added to stock for a direct assignment');
    const reservedUntil = at + this.options.reservationMinutes * 60_000;
    return this.move(e164, 'reserved', by, { customerId: input.customerId, orderId, reservedUntil, reason: 'direct assignment' }, (n) => {
      if (n.state === 'available') return;
      const until = n.state === 'quarantined' && n.quarantinedUntil !== undefined ? ` until ${new Date(n.quarantinedUntil).toISOString()}` : '';
      const held = n.customerId !== undefined && n.state !== 'quarantined' && n.state !== 'cancelled';
      const holder = !held ? '' : n.customerId === input.customerId ? ' for this customer' : ' for another customer';
      throw new InventoryRefusal(409, 'number', `${e164} is not available: it is ${n.state}${holder}${until}`);
    });
  }

  /**
   * Ends a live number's service at once (DELETE /numbers/{id}): the contract ends, the customer's
   * ServiceNumber goes, and the number is quarantined for the configured days, never reissued
   * before that.
   */
  async endService(e164: string, by: Actor, reason = 'service ended by the platform'): Promise<InventoryNumber> {
    const n = await this.repo.numbers.get(e164);
    if (!n) throw new InventoryRefusal(404, 'number', `${e164} is not in the inventory`);
    if (n.state !== 'cancelled') await this.setState(e164, 'cancelled', by, reason);
    return this.setState(e164, 'quarantined', by);
  }

  /**
   * The platform corrects a number's caller tariff at once (PATCH /numbers/{id} tariff): unlike a
   * customer's request it takes effect now, and it is recorded as an applied tariff change with
   * who and when, beside the requests.
   */
  async correctTariff(numberId: string, tariff: Tariff | undefined, by: Actor): Promise<ServiceNumber> {
    const sn = await this.store.numbers.get(numberId);
    if (!sn) throw new InventoryRefusal(404, 'numberId', `number ${numberId} does not exist`);
    const updated = (await this.store.numbers.update(sn.id, { tariff })) ?? sn;
    await this.registerTariff(sn.e164, tariff);
    if (tariff !== undefined) {
      const at = this.now();
      const change: TariffChange = { ...tariffChangeOf(sn, tariff, by, at, amsterdamDate(at), at), status: 'applied', appliedAt: at, correction: true };
      await this.repo.tariffChanges.insert([change]);
    }
    this.log.info({ numberId, by, removed: tariff === undefined }, 'tariff corrected by the platform');
    return updated;
  }

  /** The stock record keeps the tariff registered for the number now, so a reissue starts from it. */
  private async registerTariff(e164: string, tariff: Tariff | undefined): Promise<void> {
    if (!(await this.repo.numbers.get(e164))) return;
    await this.update(this.repo.numbers, e164, 'number', (n) => {
      const next: InventoryNumber = { ...n, version: n.version + 1 };
      if (tariff === undefined) delete next.tariff;
      else next.tariff = tariff;
      return next;
    });
  }

  // ---- contracts ----

  async getContract(id: string): Promise<Contract | undefined> {
    return this.repo.contracts.get(id);
  }

  /** Contracts by customer and/or month ('YYYY-MM' of the start), oldest first. */
  async listContracts(filter: { customerId?: string; month?: string } = {}): Promise<Contract[]> {
    const all = filter.customerId === undefined ? await this.repo.contracts.list() : await this.repo.contracts.listByCustomer(filter.customerId);
    return all.filter((c) => filter.month === undefined || c.month === filter.month).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Notice, checked against the minimum term and the notice period (contracts.ts); records the end date. */
  async giveNotice(contractId: string, input: { noticeOn?: string; endOn?: string }, by: Actor): Promise<Contract> {
    const noticeOn = input.noticeOn ?? amsterdamDate(this.now());
    const today = amsterdamDate(this.now());
    if (noticeOn > today) throw new InventoryRefusal(400, 'noticeOn', `notice cannot be dated in the future (${noticeOn}; today is ${today})`);
    const contract = await this.update(this.repo.contracts, contractId, 'contract', (c) => {
      const check = checkNotice(c, noticeOn, input.endOn);
      if (!check.ok) throw new InventoryRefusal(409, check.field, check.reason);
      return { ...c, status: 'notice_given' as const, noticeGivenOn: noticeOn, endOn: check.endOn, version: c.version + 1 };
    });
    this.log.info({ contractId, endOn: contract.endOn, by }, 'contract notice given');
    return contract;
  }

  /** First-traffic hook: a call to the number may date the contract's start earlier than the signature. */
  async recordTraffic(number: { e164: string; customerId: string }, at: number): Promise<void> {
    const day = amsterdamDate(at);
    for (const c of await this.repo.contracts.listByCustomer(number.customerId)) {
      if (c.e164 !== number.e164 || c.status === 'ended' || (c.firstTrafficOn !== undefined && c.firstTrafficOn <= day)) continue;
      await this.update(this.repo.contracts, c.id, 'contract', (cur) => withFirstTraffic(cur, day));
    }
  }

  // ---- tariff changes ----

  /** Requests a new caller tariff for a 090x/18xy number; effective after the configured working days. */
  async requestTariffChange(numberId: string, tariff: Tariff, by: Actor): Promise<TariffChange> {
    const sn = await this.store.numbers.get(numberId);
    if (!sn) throw new InventoryRefusal(404, 'numberId', `number ${numberId} does not exist`);
    const problems = validateTariff(sn.type, tariff);
    if (problems.length > 0) throw new InventoryRefusal(400, 'tariff', problems.join('; '));
    const at = this.now();
    const effectiveOn = tariffEffectiveOn(at, this.options.tariffChangeWorkingDays);
    const change = tariffChangeOf(sn, tariff, by, at, effectiveOn, startOfDay(effectiveOn));
    await this.repo.tariffChanges.insert([change]);
    this.log.info({ numberId, effectiveOn, by }, 'tariff change requested');
    return change;
  }

  async listTariffChanges(filter: { customerId?: string; numberId?: string } = {}): Promise<TariffChange[]> {
    const all = filter.customerId === undefined ? await this.repo.tariffChanges.list() : await this.repo.tariffChanges.listByCustomer(filter.customerId);
    return all.filter((c) => filter.numberId === undefined || c.numberId === filter.numberId).sort((a, b) => a.requestedAt - b.requestedAt);
  }

  /** Withdraws a change that has not taken effect yet. */
  async withdrawTariffChange(id: string, by: Actor): Promise<TariffChange> {
    return this.update(this.repo.tariffChanges, id, 'tariff change', (c) => {
      if (c.status !== 'pending' || c.effectiveAt <= this.now()) throw new InventoryRefusal(409, 'status', `tariff change ${id} has taken effect or was withdrawn`);
      this.log.info({ id, by }, 'tariff change withdrawn');
      return { ...c, status: 'withdrawn' as const, version: c.version + 1 };
    });
  }

  /**
   * The tariff a call to `number` hears at `at`: a due change counts from 00:00 on its day even
   * before the schedule has written it into the number (NumberCall's resolveTariff hook).
   */
  async tariffAt(number: ServiceNumber, at: number): Promise<Tariff | undefined> {
    const changes = (await this.repo.tariffChanges.listByCustomer(number.customerId)).filter((c) => c.numberId === number.id);
    return effectiveTariff(number.tariff, changes, at);
  }

  // ---- schedule ----

  /** Runs the schedule every `intervalMs` (start.ts: every minute). */
  start(intervalMs = 60_000): void {
    this.timer = setInterval(() => void this.tick().catch((err: Error) => this.log.error({ err: err.message }, 'inventory schedule failed')), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  /** One pass of the schedule; never two at once. */
  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  /** Reads only what may be due, through the state/status indexes (never the whole tables). */
  private async runTick(): Promise<void> {
    const now = this.now();
    const today = amsterdamDate(now);
    await this.applyDueTariffChanges(now);
    for (const c of await this.repo.contracts.listWhere({ status: 'notice_given' })) {
      if (c.endOn !== undefined && c.endOn < today) await this.endContract(c);
    }
    const [reserved, ordered, quarantined, cancelled] = await Promise.all(
      (['reserved', 'ordered', 'quarantined', 'cancelled'] as const).map((state) => this.repo.numbers.listWhere({ state })),
    );
    await this.each(reserved, (n) => (n.reservedUntil !== undefined && n.reservedUntil <= now ? this.lapse(n) : undefined));
    await this.releaseOrderless([...reserved.filter((n) => n.reservedUntil === undefined), ...ordered], now);
    await this.each(quarantined, (n) => ((n.quarantinedUntil ?? 0) <= now ? this.move(n.id, 'available', 'system') : undefined));
    await this.each(cancelled, (n) => (n.history.some((h) => h.to === 'active') ? this.quarantine(n.id, 'system') : undefined));
    // Numbers held for customers that were deleted (the store leaves a release entry per customer).
    for (const release of await this.repo.releases.list()) {
      if (await this.store.customers.get(release.id)) {
        await this.repo.releases.delete(release.id);
        continue;
      }
      await this.each(await this.repo.numbers.listByCustomer(release.id), (n) => (HELD_STATES.includes(n.state) ? this.releaseOrphan(n) : undefined));
      if (!(await this.repo.numbers.listByCustomer(release.id)).some((n) => HELD_STATES.includes(n.state))) await this.repo.releases.delete(release.id);
    }
  }

  /** One step per number; a number another instance moved first is left to it (its next pass sees the new state). */
  private async each(numbers: readonly InventoryNumber[], step: (n: InventoryNumber) => Promise<unknown> | undefined): Promise<void> {
    for (const n of numbers) {
      try {
        await step(n);
      } catch (err) {
        if (!(err instanceof InventoryRefusal)) throw err;
      }
    }
  }

  private async lapse(n: InventoryNumber): Promise<void> {
    if (n.origin === 'chosen') await this.repo.numbers.delete(n.id);
    else await this.move(n.id, 'available', 'system', { reason: 'reservation lapsed' });
    if (n.orderId) {
      const at = this.now();
      await this.update(this.repo.orders, n.orderId, 'order', (o) => (o.status === 'reserved' ? { ...stepOrder(o, 'cancelled', 'system', at), cancelledAt: at } : o)).catch(() => undefined);
    }
    this.log.info({ e164: n.id }, 'reservation lapsed');
  }

  /**
   * Numbers held for an order that does not exist (an assignment that stopped between its writes
   * before orders were written first, or a lost write) go back to stock once they have not moved
   * for the reservation time: no order will ever confirm, activate or cancel them.
   */
  private async releaseOrderless(numbers: readonly InventoryNumber[], now: number): Promise<void> {
    const quiet = numbers.filter((n) => (n.history.at(-1)?.at ?? n.createdAt) + this.options.reservationMinutes * 60_000 <= now);
    const orders = await this.repo.orders.getMany(quiet.map((n) => n.orderId ?? ''));
    const orphans = quiet.filter((_, i) => orders[i] === undefined);
    await this.each(orphans, async (n) => {
      const reason = `order ${n.orderId ?? '(none)'} does not exist`;
      const unchanged = (cur: InventoryNumber): void => {
        if (cur.state !== n.state || cur.orderId !== n.orderId) throw new InventoryRefusal(409, 'number', `${n.id} moved meanwhile`);
      };
      if (n.origin === 'chosen') await this.repo.numbers.delete(n.id);
      else await this.move(n.id, 'available', 'system', { reason }, unchanged);
      this.log.warn({ e164: n.id, state: n.state, orderId: n.orderId }, 'number held for a missing order released');
    });
  }

  private async quarantine(e164: string, by: Actor): Promise<void> {
    await this.move(e164, 'quarantined', by, { quarantinedUntil: this.now() + this.options.quarantineDays * DAY_MS });
  }

  /** The last day of service has passed: the number stops, is cancelled and goes into quarantine. */
  private async endContract(c: Contract): Promise<void> {
    await this.update(this.repo.contracts, c.id, 'contract', (cur) => ({ ...cur, status: 'ended' as const, endedAt: this.now(), version: cur.version + 1 }));
    const sn = await this.store.numbers.get(c.numberId);
    if (sn) await this.store.numbers.delete(sn.id);
    const n = await this.repo.numbers.get(c.e164);
    if (n && (n.state === 'active' || n.state === 'suspended')) {
      await this.move(n.id, 'cancelled', 'system', { reason: `contract ended on ${c.endOn ?? ''}` });
      await this.quarantine(n.id, 'system');
    }
    this.log.info({ contractId: c.id, e164: c.e164 }, 'contract ended');
  }

  /** A deleted customer's numbers: reservations and orders go back to stock, live numbers into quarantine. */
  private async releaseOrphan(n: InventoryNumber): Promise<void> {
    const reason = 'customer deleted';
    if (n.state === 'active' || n.state === 'suspended') {
      await this.move(n.id, 'cancelled', 'system', { reason });
      await this.quarantine(n.id, 'system');
    } else if (n.origin === 'chosen') await this.repo.numbers.delete(n.id);
    else await this.move(n.id, 'available', 'system', { reason });
  }

  private async applyDueTariffChanges(now: number): Promise<void> {
    const due = (await this.repo.tariffChanges.listWhere({ status: 'pending' })).filter((c) => c.effectiveAt <= now).sort((a, b) => a.effectiveAt - b.effectiveAt || a.requestedAt - b.requestedAt);
    for (const c of due) {
      const sn = await this.store.numbers.get(c.numberId);
      if (sn) await this.store.numbers.update(sn.id, { tariff: c.tariff });
      await this.registerTariff(c.e164, c.tariff);
      await this.update(this.repo.tariffChanges, c.id, 'tariff change', (cur) => (cur.status === 'pending' ? { ...cur, status: 'applied' as const, appliedAt: now, version: cur.version + 1 } : cur));
      this.log.info({ numberId: c.numberId, effectiveOn: c.effectiveOn }, 'tariff change applied');
    }
  }
}
