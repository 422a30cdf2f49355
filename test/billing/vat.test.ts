import { describe, expect, it } from 'vitest';
import { allocateVat, vatOf } from '../../src/billing/vat.js';
import { withTotals } from '../../src/billing/invoices.js';
import type { InvoiceLine } from '../../src/billing/BillingTypes.js';

const line = (amountCents: number): InvoiceLine => ({ code: 'service-number', description: 'x', unitPriceCents: amountCents, amountCents, vatCents: 0 });

describe('VAT: on the subtotal, allocated to the lines', () => {
  it.each([
    [2500, 525],
    [695, 146], // 145.95
    [1290, 271], // 270.90
    [2, 0], // 0.42
    [50, 11], // 10.50 rounds half up
    [-50, -11], // and a credit half away from zero
    [0, 0],
  ])('21%% of %i cents is %i cents', (amount, vat) => {
    expect(vatOf(amount, 21)).toBe(vat);
  });

  it('line VATs add up to the VAT on the total, each within a cent of its exact 21%', () => {
    const amounts = [1290, 806, 695];
    const { vatCents, lines, totalCents, subtotalCents } = withTotals(amounts.map(line), 21);
    expect(subtotalCents).toBe(2791);
    expect(vatCents).toBe(586); // 586.11
    expect(lines.map((l) => l.vatCents)).toEqual([271, 169, 146]); // 270.90, 169.26, 145.95
    expect(totalCents).toBe(3377);
  });

  it('rounding per line would lose a cent the total keeps: six lines of 2 cents', () => {
    const shares = allocateVat([2, 2, 2, 2, 2, 2], 21, vatOf(12, 21));
    expect(vatOf(12, 21)).toBe(3); // 2.52
    expect(shares.reduce((s, x) => s + x, 0)).toBe(3);
    expect(shares.every((s) => s === 0 || s === 1)).toBe(true);
  });

  it('a credit note (negative lines) reconciles the same way', () => {
    const { vatCents, lines } = withTotals([-1290, -806, -695].map(line), 21);
    expect(vatCents).toBe(-586);
    expect(lines.map((l) => l.vatCents)).toEqual([-271, -169, -146]);
  });
});
