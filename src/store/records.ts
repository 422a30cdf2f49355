/**
 * How both store implementations build and change records, so that memory and Redis agree on
 * every detail the contract tests look at (ids, createdAt, what a patch may touch).
 */
import { randomUUID } from 'node:crypto';
import type { ServiceNumber } from '../numbers/NumberTypes.js';
import type {
  Account,
  Customer,
  NewAccount,
  NewCustomer,
  NewServiceNumber,
  PlanRecord,
  PlanVersion,
  ServiceNumberPatch,
} from './StoreTypes.js';

/** Drops keys whose value is undefined: a patch `{ deviceModel: undefined }` removes the field. */
export function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function newCustomer(c: NewCustomer, now = Date.now()): Customer {
  return withoutUndefined({ ...c, id: randomUUID(), createdAt: now });
}

export function newAccount(a: NewAccount, now = Date.now()): Account {
  return withoutUndefined({ ...a, id: randomUUID(), createdAt: now });
}

/** A patch never changes the id or createdAt, whatever the caller passes at run time. */
export function patchCustomer(cur: Customer, patch: Partial<NewCustomer>): Customer {
  return withoutUndefined({ ...cur, ...patch, id: cur.id, createdAt: cur.createdAt });
}

/** An account never moves to another customer (id, customerId and createdAt are kept). */
export function patchAccount(cur: Account, patch: Partial<Omit<NewAccount, 'customerId'>>): Account {
  return withoutUndefined({ ...cur, ...patch, id: cur.id, customerId: cur.customerId, createdAt: cur.createdAt });
}

export function newServiceNumber(n: NewServiceNumber, now = Date.now()): ServiceNumber {
  return withoutUndefined({ ...n, id: randomUUID(), createdAt: now });
}

/** A number never moves to another customer (id, customerId and createdAt are kept). */
export function patchServiceNumber(cur: ServiceNumber, patch: ServiceNumberPatch): ServiceNumber {
  return withoutUndefined({ ...cur, ...patch, id: cur.id, customerId: cur.customerId, createdAt: cur.createdAt });
}

export function newPlan(p: { customerId: string; name: string }, now = Date.now()): PlanRecord {
  return { id: randomUUID(), customerId: p.customerId, name: p.name, createdAt: now };
}

export function newPlanVersion(
  planId: string,
  version: number,
  plan: unknown,
  createdBy: string,
  note: string | undefined,
  now = Date.now(),
): PlanVersion {
  return withoutUndefined({ planId, version, plan, createdAt: now, createdBy, note });
}

export function numberTaken(e164: string): string {
  return `number ${e164} is already in use`;
}

export function unknownPlan(planId: string): string {
  return `plan "${planId}" does not exist`;
}

export function unknownVersion(planId: string, version: number): string {
  return `plan "${planId}" has no version ${version}`;
}

export function usernameTaken(username: string): string {
  return `username "${username}" is taken`;
}

export function unknownCustomer(customerId: string): string {
  return `customer "${customerId}" does not exist`;
}

/** Lists come in creation order (ties by id, so every store and every instance agrees). */
export function byCreation<T extends { createdAt: number; id: string }>(a: T, b: T): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
