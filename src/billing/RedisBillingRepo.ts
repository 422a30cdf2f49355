import type { Redis } from 'ioredis';
import { RedisTable } from '../inventory/RedisInventoryRepo.js';
import type { BillingRepo } from './BillingTypes.js';

/**
 * The billing tables of RedisStore: the inventory's compare-and-set table, so keys read
 * `P inv:billing-invoices`, `P inv:billing-statements`, `P inv:billing-settings`,
 * `P inv:billing-payments` (+ the
 * per-customer index sets).
 */
export function redisBillingRepo(redis: Redis, prefix: string): BillingRepo {
  return {
    invoices: new RedisTable(redis, prefix, 'billing-invoices'),
    statements: new RedisTable(redis, prefix, 'billing-statements'),
    settings: new RedisTable(redis, prefix, 'billing-settings'),
    payments: new RedisTable(redis, prefix, 'billing-payments'),
  };
}

