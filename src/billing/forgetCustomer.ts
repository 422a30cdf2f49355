import type { BillingRepo } from './BillingTypes.js';

/**
 * A deleted customer's billing settings go with it (both stores call this); its invoices, credit
 * notes and statements stay: Dutch tax law (AWR art. 52) keeps issued invoices for seven years.
 */
export async function forgetBillingCustomer(repo: BillingRepo, customerId: string): Promise<void> {
  await repo.settings.delete(customerId);
}
