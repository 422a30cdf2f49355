/**
 * The life of a number in stock, as a plain transition table (pure; table tests in
 * test/inventory/states.test.ts):
 *
 *   (import) ─▶ available ─▶ reserved ─▶ ordered ─▶ active ⇄ suspended
 *                  ▲            │           │  └─▶ awaiting_acm ─▶ active
 *                  └────────────┘ (lapsed)  └─▶ available (order cancelled)
 *   (chosen number ordered) ─▶ reserved ─▶ ordered ─▶ awaiting_acm
 *   active | suspended | awaiting_acm ─▶ cancelled ─▶ quarantined ─▶ available (after the quarantine)
 */
import type { InventoryNumber, InventoryState } from './InventoryTypes.js';

/** Where each state may go, and why that step exists. */
export const TRANSITIONS: Readonly<Record<InventoryState, Partial<Record<InventoryState, string>>>> = {
  available: { reserved: 'picked for an order' },
  reserved: { available: 'reservation released or lapsed', ordered: 'order confirmed' },
  ordered: {
    active: 'activated',
    awaiting_acm: 'chosen number: waiting for the ACM assignment',
    available: 'order cancelled before activation',
  },
  awaiting_acm: { active: 'ACM assignment recorded', cancelled: 'ACM assignment refused or order cancelled' },
  active: { suspended: 'suspended', cancelled: 'contract ended' },
  suspended: { active: 'resumed', cancelled: 'contract ended' },
  cancelled: { quarantined: 'not reissued during the quarantine' },
  quarantined: { available: 'quarantine over' },
};

/** States in which a number is held for a customer (released by the schedule when the customer is deleted). */
export const HELD_STATES: readonly InventoryState[] = ['reserved', 'ordered', 'awaiting_acm', 'active', 'suspended'];

/** States a number may enter the inventory in (import: available; a chosen number, not in stock: reserved for its order). */
export const INITIAL_STATES: readonly InventoryState[] = ['available', 'reserved'];

export type TransitionCheck = { ok: true } | { ok: false; reason: string };

/**
 * May `number` move to `to` at `now`? Besides the table: a lapsed reservation cannot be
 * confirmed, and a quarantined number cannot be issued before its quarantine is over.
 */
export function checkTransition(number: Pick<InventoryNumber, 'id' | 'state' | 'reservedUntil' | 'quarantinedUntil'>, to: InventoryState, now: number): TransitionCheck {
  const from = number.state;
  if (TRANSITIONS[from][to] === undefined) {
    const allowed = Object.keys(TRANSITIONS[from]);
    return { ok: false, reason: `number ${number.id} is ${from}; from ${from} it can only become ${allowed.join(' or ')}, not ${to}` };
  }
  if (from === 'reserved' && to === 'ordered' && number.reservedUntil !== undefined && number.reservedUntil <= now) {
    return { ok: false, reason: `the reservation of ${number.id} lapsed at ${new Date(number.reservedUntil).toISOString()}` };
  }
  if (from === 'quarantined' && to === 'available' && number.quarantinedUntil !== undefined && number.quarantinedUntil > now) {
    return { ok: false, reason: `number ${number.id} is in quarantine until ${new Date(number.quarantinedUntil).toISOString()}` };
  }
  return { ok: true };
}

/** What else changes with the state: the holder and the timers belong to some states only. */
export interface TransitionExtras {
  customerId?: string;
  orderId?: string;
  reservedUntil?: number;
  quarantinedUntil?: number;
  reason?: string;
}

/**
 * The number after the move (checked with checkTransition first; throws when not allowed).
 * Back to available drops holder and timers; the history gets one entry with who and when.
 */
export function applyTransition(number: InventoryNumber, to: InventoryState, by: string, now: number, extras: TransitionExtras = {}): InventoryNumber {
  const check = checkTransition(number, to, now);
  if (!check.ok) throw new TransitionRefused(check.reason);
  const next: InventoryNumber = { ...number, state: to, version: number.version + 1 };
  delete next.reservedUntil;
  if (to !== 'quarantined') delete next.quarantinedUntil;
  if (to === 'available') {
    delete next.customerId;
    delete next.orderId;
  }
  if (extras.customerId !== undefined) next.customerId = extras.customerId;
  if (extras.orderId !== undefined) next.orderId = extras.orderId;
  if (to === 'reserved' && extras.reservedUntil !== undefined) next.reservedUntil = extras.reservedUntil;
  if (to === 'quarantined' && extras.quarantinedUntil !== undefined) next.quarantinedUntil = extras.quarantinedUntil;
  const reason = extras.reason ?? TRANSITIONS[number.state][to];
  next.history = [...number.history, { from: number.state, to, at: now, by, ...(reason === undefined ? {} : { reason }) }];
  return next;
}

/** A refused state change; the API answers it with 409 and the reason. */
export class TransitionRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TransitionRefused';
  }
}
