import type { InventoryRepo } from './InventoryTypes.js';

/**
 * A deleted customer's orders, contracts and tariff changes go with it (both stores call this).
 * Numbers it held keep their customerId until the inventory schedule (InventoryService.tick)
 * releases them through the state machine, with the configured quarantine: the store knows
 * neither the clock nor the quarantine period.
 */
export async function forgetInventoryCustomer(repo: InventoryRepo, customerId: string): Promise<void> {
  for (const table of [repo.orders, repo.contracts, repo.tariffChanges]) {
    for (const r of await table.listByCustomer(customerId)) await table.delete(r.id);
  }
}
