/** A customer with numbers under contract and a month of CDR totals, for the billing tests. */
import { randomUUID } from 'node:crypto';
import { MonthTotals } from '../../src/cdr/MonthlyAggregates.js';
import type { OperatorDetails } from '../../src/billing/OperatorDetails.js';
import type { Contract } from '../../src/inventory/InventoryTypes.js';
import type { Store } from '../../src/store/StoreTypes.js';

export function contract(customerId: string, e164: string, startOn: string, endOn?: string): Contract {
  return {
    id: randomUUID(),
    version: 1,
    customerId,
    orderId: randomUUID(),
    e164,
    numberId: randomUUID(),
    signedOn: startOn,
    startOn,
    minimumMonths: 12,
    month: startOn.slice(0, 7),
    status: endOn ? 'notice_given' : 'running',
    ...(endOn ? { endOn } : {}),
    createdAt: 1,
  };
}

/**
 * The providers' worked example on one 0909 number: 1000 calls of 10 minutes at EUR 0.90 a
 * minute incl. VAT pay out EUR 6,425.02 excl. VAT (src/cdr/Outpayment.ts).
 */
export function goldenMonth(customerId: string, e164: string): MonthTotals {
  const totals = new MonthTotals();
  totals.add({
    customerId,
    line: e164,
    increments: [
      ['attempts', 1000],
      ['answered', 1000],
      ['calls', 1000],
      ['billableSeconds', 600_000],
      ['revenueInclCents', 900_000],
      ['revenueExclMilliCents', 743_802_000],
      ['costMilliCents', 101_300_000],
      ['outpaymentMilliCents', 642_502_000],
    ],
  });
  return totals;
}

/** An operator as OPERATOR_DETAILS_FILE gives it (valid KvK, btw-id by 11-proof, IBAN check digits). */
export const OPERATOR: OperatorDetails = {
  name: 'Belnet Telecom B.V.',
  address: ['Stationsplein 12', '3511 ED Utrecht'],
  kvk: '87654321',
  vatId: 'NL123456782B01',
  iban: 'NL20INGB0001234567',
  bic: 'INGBNL2A',
};

export const BAKERY_ADDRESS = ['Dorpsstraat 7', '1234 AB Ons Dorp'];

/** Bakkerij De Vries: a 0909 number all October, an 085 number from 16 October; a billing address and VAT id. */
export async function bakery(store: Store): Promise<{ customerId: string }> {
  const c = await store.customers.create({ name: 'Bakkerij De Vries', status: 'active', creditLimitCents: 10_000 });
  await store.inventory.contracts.insert([contract(c.id, '+319091234567', '2025-06-01'), contract(c.id, '+31851234567', '2026-10-16')]);
  await store.billing.settings.insert([{ id: c.id, customerId: c.id, version: 1, paperInvoice: false, directDebit: true, setOffOutpayment: false, address: BAKERY_ADDRESS, vatId: 'NL000099998B57' }]);
  return { customerId: c.id };
}
