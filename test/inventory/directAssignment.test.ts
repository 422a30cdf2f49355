/**
 * A direct assignment that stops half-way (a failed write, a crash, a restart) never leaves the
 * number held forever: the same customer's retry resumes where it stopped, and otherwise the
 * reservation lapses or the schedule releases a number whose order does not exist.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FRESH_ASSIGNMENT, resumeAssignment, type AssignmentStep } from '../../src/inventory/directAssignment.js';
import { InventoryService } from '../../src/inventory/InventoryService.js';
import type { InventoryNumber, InventoryState, Order, OrderStatus } from '../../src/inventory/InventoryTypes.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';

const E164 = '+31858001000';

function numberIn(state: InventoryState, extra: Partial<InventoryNumber> = {}): InventoryNumber {
  return { id: E164, version: 3, type: '085', state, origin: 'stock', customerId: 'c1', orderId: 'o1', history: [], createdAt: 0, ...extra };
}

function orderIn(status: OrderStatus, extra: Partial<Order> = {}): Order {
  return { id: 'o1', version: 1, customerId: 'c1', e164: E164, type: '085', kind: 'direct', status, email: '', createdAt: 0, createdBy: 'platform', history: [], ...extra };
}

describe('resumeAssignment: the steps left of an assignment that stopped', () => {
  const table: [string, InventoryNumber | undefined, Order | undefined, AssignmentStep[] | undefined][] = [
    ['reserved, order not written yet', numberIn('reserved'), undefined, ['insert-order', 'order-number', 'confirm-order', 'activate']],
    ['reserved, order reserved', numberIn('reserved'), orderIn('reserved'), ['order-number', 'confirm-order', 'activate']],
    ['ordered, order missing (written last before the fix)', numberIn('ordered'), undefined, ['insert-order', 'confirm-order', 'activate']],
    ['ordered, order still reserved', numberIn('ordered'), orderIn('reserved'), ['confirm-order', 'activate']],
    ['ordered, order confirmed (activation failed)', numberIn('ordered'), orderIn('confirmed'), ['activate']],
    ['active, order confirmed (activation stopped after the state)', numberIn('active'), orderIn('confirmed'), ['activate']],
    ['active, order active (done: nothing to resume)', numberIn('active'), orderIn('active'), undefined],
    ['held for another customer', numberIn('ordered', { customerId: 'c2' }), undefined, undefined],
    ["the customer's own order through POST /orders (has an e-mail address)", numberIn('ordered'), orderIn('confirmed', { email: 'a@example.nl' }), undefined],
    ['a chosen-number order', numberIn('ordered'), orderIn('confirmed', { kind: 'chosen' }), undefined],
    ['order cancelled', numberIn('reserved'), orderIn('cancelled'), undefined],
    ['available', numberIn('available', { customerId: undefined, orderId: undefined }), undefined, undefined],
    ['quarantined', numberIn('quarantined'), undefined, undefined],
    ['not in the inventory', undefined, undefined, undefined],
    ['held without an order id', numberIn('reserved', { orderId: undefined }), undefined, undefined],
  ];
  it.each(table)('%s', (_, n, order, steps) => {
    expect(resumeAssignment(n, order, 'c1')).toEqual(steps);
  });

  it('a fresh assignment runs every step', () => {
    expect(FRESH_ASSIGNMENT).toEqual(['reserve', 'insert-order', 'order-number', 'confirm-order', 'activate']);
  });
});

describe('a direct assignment that stopped half-way', () => {
  let store: MemoryStore;
  let now: number;
  let inventory: InventoryService;
  beforeEach(() => {
    store = new MemoryStore();
    now = Date.parse('2026-11-23T09:00:00Z');
    inventory = new InventoryService({ store, logger: silentLogger(), options: { reservationMinutes: 60 }, now: () => now });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const customer = (name: string) => store.customers.create({ name, status: 'active', creditLimitCents: 10_000 });

  it('lapses like any reservation when the order could not be written, and the number can be assigned again', async () => {
    const a = await customer('A');
    const b = await customer('B');
    vi.spyOn(store.inventory.orders, 'insert').mockRejectedValueOnce(new Error('redis connection lost'));
    await expect(inventory.assignDirect({ customerId: a.id, number: '0858001000', status: 'active' }, 'platform')).rejects.toThrow('redis connection lost');
    expect(await inventory.getNumber(E164)).toMatchObject({ state: 'reserved', customerId: a.id, reservedUntil: now + 60 * 60_000 });
    await expect(inventory.assignDirect({ customerId: b.id, number: '0858001000', status: 'active' }, 'platform')).rejects.toThrow(/reserved for another customer/);

    now += 60 * 60_000;
    await inventory.tick();
    expect((await inventory.getNumber(E164))?.state).toBe('available');
    const { number } = await inventory.assignDirect({ customerId: b.id, number: '0858001000', status: 'active' }, 'platform');
    expect(number).toMatchObject({ customerId: b.id, status: 'active' });
  });

  it("the same customer's retry resumes after a failed order write: one order, one contract", async () => {
    const a = await customer('A');
    vi.spyOn(store.inventory.orders, 'insert').mockRejectedValueOnce(new Error('redis connection lost'));
    await expect(inventory.assignDirect({ customerId: a.id, number: '0858001000', status: 'active' }, 'platform')).rejects.toThrow();
    now += 1000;
    const { number, order } = await inventory.assignDirect({ customerId: a.id, number: '0858001000', status: 'suspended' }, 'platform');
    expect(number).toMatchObject({ customerId: a.id, status: 'suspended' });
    expect(order.history.map((h) => h.status)).toEqual(['reserved', 'confirmed', 'active']);
    expect(await inventory.listOrders({ customerId: a.id })).toHaveLength(1);
    expect(await inventory.listContracts({ customerId: a.id })).toHaveLength(1);
    expect((await inventory.getNumber(E164))?.history.map((h) => h.to)).toEqual(['available', 'reserved', 'ordered', 'active', 'suspended']);
  });

  it('two retries at once: one resumes the assignment, the other is refused (409); one order, one contract, one number', async () => {
    const a = await customer('A');
    vi.spyOn(store.numbers, 'create').mockRejectedValueOnce(new Error('redis connection lost'));
    await expect(inventory.assignDirect({ customerId: a.id, number: '0858001000', status: 'active' }, 'platform')).rejects.toThrow();
    const tries = await Promise.allSettled([1, 2].map(() => inventory.assignDirect({ customerId: a.id, number: '0858001000', status: 'active' }, 'platform')));
    expect(tries.map((t) => t.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = tries.find((t) => t.status === 'rejected');
    expect(refused?.reason).toMatchObject({ name: 'InventoryRefusal', status: 409 });
    expect(await store.numbers.list(a.id)).toEqual([expect.objectContaining({ e164: E164, status: 'active' })]);
    expect(await inventory.listOrders({ customerId: a.id })).toEqual([expect.objectContaining({ status: 'active' })]);
    expect(await inventory.listContracts({ customerId: a.id })).toHaveLength(1);
  });

  it('the schedule releases a number left ordered without an order (as the code before this fix did), after the reservation time', async () => {
    const a = await customer('A');
    const at = now;
    // The state an assignment that failed between its moves and the order insert left behind.
    await store.inventory.numbers.insert([
      numberIn('ordered', {
        id: E164,
        version: 3,
        customerId: a.id,
        orderId: 'lost-order',
        history: [
          { to: 'available', at, by: 'platform' },
          { from: 'available', to: 'reserved', at, by: 'platform' },
          { from: 'reserved', to: 'ordered', at, by: 'platform' },
        ],
      }),
      numberIn('reserved', { id: '+31858001001', version: 2, customerId: a.id, orderId: 'lost-too', history: [{ from: 'available', to: 'reserved', at, by: 'platform' }] }),
    ]);
    now += 59 * 60_000;
    await inventory.tick();
    expect((await inventory.getNumber(E164))?.state).toBe('ordered');
    now += 60_000;
    await inventory.tick();
    const released = await inventory.getNumber(E164);
    expect(released).toMatchObject({ state: 'available' });
    expect(released).not.toHaveProperty('customerId');
    expect(released?.history.at(-1)).toMatchObject({ from: 'ordered', to: 'available', by: 'system', reason: 'order lost-order does not exist' });
    expect((await inventory.getNumber('+31858001001'))?.state).toBe('available');
  });

  it('leaves a confirmed direct order waiting for activation alone (its order exists)', async () => {
    const a = await customer('A');
    await inventory.importNumbers([{ e164: E164, type: '085', line: 2 }], 'platform');
    const order = await inventory.createOrder({ customerId: a.id, number: '0858001000', kind: 'direct', email: 'a@example.nl' }, 'beheerder:t1');
    await inventory.confirmOrder(order.id, 'beheerder:t1');
    now += 24 * 60 * 60_000;
    await inventory.tick();
    expect(await inventory.getNumber(E164)).toMatchObject({ state: 'ordered', customerId: a.id, orderId: order.id });
  });

  it("the same customer's retry resumes a number left ordered without an order, with this try's plan", async () => {
    const a = await customer('A');
    const plan = await store.plans.create({ customerId: a.id, name: 'Hoofdnummer' });
    await store.inventory.numbers.insert([numberIn('ordered', { customerId: a.id, orderId: 'lost-order' })]);
    const { number, order } = await inventory.assignDirect({ customerId: a.id, number: '0858001000', status: 'active', planId: plan.id }, 'platform');
    expect(number).toMatchObject({ customerId: a.id, status: 'active', planId: plan.id });
    expect(order).toMatchObject({ id: 'lost-order', status: 'active', planId: plan.id });
    expect(await inventory.listContracts({ customerId: a.id })).toEqual([expect.objectContaining({ orderId: 'lost-order', status: 'running' })]);
  });
});
