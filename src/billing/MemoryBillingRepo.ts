import { MemoryTable } from '../inventory/MemoryInventoryRepo.js';
import type { BillingRepo } from './BillingTypes.js';

/** The billing tables of MemoryStore (the inventory's compare-and-set table). */
export function memoryBillingRepo(): BillingRepo {
  return { invoices: new MemoryTable(), statements: new MemoryTable(), settings: new MemoryTable(), payments: new MemoryTable() };
}
