import { describe, expect, it } from 'vitest';
import { INVENTORY_STATES, type InventoryNumber, type InventoryState } from '../../src/inventory/InventoryTypes.js';
import { applyTransition, checkTransition, TransitionRefused } from '../../src/inventory/states.js';

const NOW = Date.UTC(2026, 10, 23, 10, 0);

function numberIn(state: InventoryState, extra: Partial<InventoryNumber> = {}): InventoryNumber {
  return { id: '+318580010000', version: 3, type: '085', state, origin: 'stock', history: [], createdAt: 0, ...extra };
}

/** Every allowed move; every other pair of states must be refused. */
const ALLOWED: [InventoryState, InventoryState][] = [
  ['available', 'reserved'],
  ['reserved', 'available'],
  ['reserved', 'ordered'],
  ['ordered', 'active'],
  ['ordered', 'awaiting_acm'],
  ['ordered', 'available'],
  ['awaiting_acm', 'active'],
  ['awaiting_acm', 'cancelled'],
  ['active', 'suspended'],
  ['active', 'cancelled'],
  ['suspended', 'active'],
  ['suspended', 'cancelled'],
  ['cancelled', 'quarantined'],
  ['quarantined', 'available'],
];

describe('inventory state machine', () => {
  const allowed = new Set(ALLOWED.map(([a, b]) => `${a}>${b}`));
  const pairs = INVENTORY_STATES.flatMap((from) => INVENTORY_STATES.map((to) => [from, to] as const));

  it.each(pairs.filter(([a, b]) => allowed.has(`${a}>${b}`)))('allows %s → %s', (from, to) => {
    expect(checkTransition(numberIn(from), to, NOW)).toEqual({ ok: true });
  });

  it.each(pairs.filter(([a, b]) => !allowed.has(`${a}>${b}`)))('refuses %s → %s, naming what is possible', (from, to) => {
    const check = checkTransition(numberIn(from), to, NOW);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain(`is ${from}; from ${from} it can only become`);
  });

  it('refuses to confirm a reservation that has lapsed, and allows it just before', () => {
    expect(checkTransition(numberIn('reserved', { reservedUntil: NOW }), 'ordered', NOW)).toMatchObject({ ok: false, reason: expect.stringContaining('lapsed') });
    expect(checkTransition(numberIn('reserved', { reservedUntil: NOW + 1 }), 'ordered', NOW)).toEqual({ ok: true });
  });

  it('keeps a quarantined number out of stock until its quarantine is over', () => {
    expect(checkTransition(numberIn('quarantined', { quarantinedUntil: NOW + 1 }), 'available', NOW)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('quarantine until'),
    });
    expect(checkTransition(numberIn('quarantined', { quarantinedUntil: NOW }), 'available', NOW)).toEqual({ ok: true });
  });

  it('records who moved the number and when, and drops the holder when it returns to stock', () => {
    const reserved = applyTransition(numberIn('available'), 'reserved', 'beheerder:t1', NOW, { customerId: 'c1', orderId: 'o1', reservedUntil: NOW + 60_000 });
    expect(reserved).toMatchObject({ state: 'reserved', customerId: 'c1', orderId: 'o1', reservedUntil: NOW + 60_000, version: 4 });
    expect(reserved.history.at(-1)).toEqual({ from: 'available', to: 'reserved', at: NOW, by: 'beheerder:t1', reason: 'picked for an order' });

    const back = applyTransition(reserved, 'available', 'system', NOW + 60_000, { reason: 'reservation lapsed' });
    expect(back.customerId).toBeUndefined();
    expect(back.orderId).toBeUndefined();
    expect(back.reservedUntil).toBeUndefined();
    expect(back.history.map((h) => `${h.from}>${h.to} by ${h.by}: ${h.reason}`)).toEqual([
      'available>reserved by beheerder:t1: picked for an order',
      'reserved>available by system: reservation lapsed',
    ]);
  });

  it('throws the refusal reason when applying an impossible move', () => {
    expect(() => applyTransition(numberIn('active'), 'reserved', 'platform', NOW)).toThrow(TransitionRefused);
    expect(() => applyTransition(numberIn('active'), 'reserved', 'platform', NOW)).toThrow('from active it can only become suspended or cancelled, not reserved');
  });
});
