/**
 * Numbers put in service before the inventory existed (stores written by earlier versions, where
 * the numbers API wrote ServiceNumbers directly) get what every live number has: an inventory
 * record in its state, a direct order and a contract signed on the day the number was created.
 * Run at start (and for one number when the numbers API meets it); idempotent, and safe with several instances starting at once: the record is
 * inserted if new, and only the instance whose insert won writes the order and the contract.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { ServiceNumber } from '../numbers/NumberTypes.js';
import type { Store } from '../store/StoreTypes.js';
import { amsterdamDate, monthOf } from './calendar.js';
import { newContract } from './contracts.js';
import type { Actor, InventoryNumber, Order } from './InventoryTypes.js';
import { HELD_STATES } from './states.js';

const REASON = 'in service before the inventory existed; adopted';

export async function adoptServiceNumbers(store: Store, logger: Logger, now: number, by: Actor = 'system'): Promise<number> {
  const numbers = await store.numbers.list();
  const records = await store.inventory.numbers.getMany(numbers.map((n) => n.e164));
  let adopted = 0;
  for (const [i, sn] of numbers.entries()) {
    if (records[i] === undefined && (await adoptServiceNumber(store, sn, now, by))) adopted++;
  }
  if (adopted > 0) logger.info({ adopted }, 'service numbers from before the inventory adopted into it');
  return adopted;
}

/**
 * Customers deleted before the store wrote a release entry on delete (forgetCustomer.ts) may
 * still hold numbers that the schedule, which looks only at release entries, would never free.
 * Run at start: each customer that holds a number but no longer exists gets its release entry
 * (insert-if-new, so running it again or on several instances at once is harmless). Returns the
 * customers found.
 */
export async function recordMissingReleases(store: Store, logger: Logger, now: number): Promise<string[]> {
  const holders = new Set<string>();
  for (const state of HELD_STATES) {
    for (const n of await store.inventory.numbers.listWhere({ state })) if (n.customerId !== undefined) holders.add(n.customerId);
  }
  const gone: string[] = [];
  for (const customerId of holders) if ((await store.customers.get(customerId)) === undefined) gone.push(customerId);
  if (gone.length === 0) return gone;
  await store.inventory.releases.insert(gone.map((id) => ({ id, version: 1, at: now })));
  logger.info({ customers: gone.length }, 'numbers held for customers deleted earlier: release entries written for the schedule');
  return gone;
}

/** One number; false when it has an inventory record already (or another instance just wrote one). */
export async function adoptServiceNumber(store: Store, sn: ServiceNumber, now: number, by: Actor = 'system'): Promise<boolean> {
  const orderId = randomUUID();
  const record: InventoryNumber = {
    id: sn.e164,
    version: 1,
    type: sn.type,
    state: sn.status,
    origin: 'stock',
    ...(sn.tariff === undefined ? {} : { tariff: sn.tariff }),
    customerId: sn.customerId,
    orderId,
    history: [{ to: sn.status, at: now, by, reason: REASON }],
    createdAt: now,
  };
  if ((await store.inventory.numbers.insert([record])).length > 0) return false;
  const signedOn = amsterdamDate(sn.createdAt);
  const order: Order = {
    id: orderId,
    version: 1,
    customerId: sn.customerId,
    e164: sn.e164,
    type: sn.type,
    kind: 'direct',
    status: 'active',
    ...(sn.planId === undefined ? {} : { planId: sn.planId }),
    ...(sn.tariff === undefined ? {} : { tariff: sn.tariff }),
    email: '',
    createdAt: sn.createdAt,
    createdBy: by,
    confirmedAt: sn.createdAt,
    month: monthOf(sn.createdAt),
    activatedAt: sn.createdAt,
    numberId: sn.id,
    history: [{ status: 'active', at: now, by }],
  };
  await store.inventory.orders.insert([order]);
  await store.inventory.contracts.insert([newContract({ customerId: sn.customerId, orderId, e164: sn.e164, numberId: sn.id }, signedOn, now)]);
  return true;
}
