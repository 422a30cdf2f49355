import { describe, expect, it } from 'vitest';
import { buildInvoice, invoiceLines, type InvoiceInput } from '../../src/billing/invoices.js';
import { DEFAULT_PRICE_LIST } from '../../src/billing/PriceList.js';
import { BAKERY_ADDRESS, OPERATOR } from './fixtures.js';

const base = (over: Partial<InvoiceInput> = {}): InvoiceInput => ({
  month: '2026-10',
  number: 'F2026100001',
  customer: { id: 'c1', name: 'Bakkerij De Vries' },
  parties: { seller: OPERATOR, buyer: { name: 'Bakkerij De Vries', address: BAKERY_ADDRESS } },
  settings: { paperInvoice: false, directDebit: true },
  prices: DEFAULT_PRICE_LIST[0],
  paymentTermDays: 14,
  numbers: [],
  accounts: [],
  outbound: { billableSeconds: 0, chargesExclMilliCents: 0 },
  ...over,
});

describe('an invoice for a month', () => {
  it('bills a service number EUR 25.00 and a VoIP package EUR 6.95, pro rata from a mid-month start', () => {
    const lines = invoiceLines(
      base({
        numbers: [
          { e164: '+319091234567', type: '0909', startOn: '2025-01-01' },
          { e164: '+318512345678', type: '085', startOn: '2026-10-16' },
        ],
      }),
    );
    expect(lines.map((l) => [l.code, l.description, l.amountCents])).toEqual([
      ['voip-package', 'VoIP Zakelijk Essential, nummer 08512345678', 359], // 6.95 × 16/31 = 3.587
      ['service-number', 'Servicenummer 09091234567 (plus-pakket)', 2500],
    ]);
    expect(lines[0].period).toEqual({ from: '2026-10-16', to: '2026-10-31', days: 16, daysInMonth: 31 });
  });

  it('an account beyond the packaged numbers is a package of its own; the oldest accounts are included', () => {
    const lines = invoiceLines(
      base({
        numbers: [{ e164: '+318512345678', type: '085', startOn: '2025-01-01' }],
        accounts: [
          { id: 'a2', username: 'receptie', createdOn: '2026-10-21' },
          { id: 'a1', username: 'directie', createdOn: '2025-05-01' },
        ],
      }),
    );
    expect(lines.map((l) => [l.description, l.amountCents])).toEqual([
      ['VoIP Zakelijk Essential, nummer 08512345678', 695],
      ['VoIP Zakelijk Essential, account receptie', 247], // 6.95 × 11/31 = 2.466
    ]);
  });

  it('adds the outbound usage as rated in the CDRs and the fees the settings call for', () => {
    const lines = invoiceLines(
      base({
        numbers: [{ e164: '+319001234567', type: '0900', startOn: '2025-01-01' }],
        settings: { paperInvoice: true, directDebit: false },
        outbound: { billableSeconds: 3630, chargesExclMilliCents: 181_500 },
      }),
    );
    expect(lines.map((l) => [l.code, l.description, l.amountCents])).toEqual([
      ['service-number', 'Servicenummer 09001234567 (plus-pakket)', 2500],
      ['outbound-usage', 'Uitgaande gesprekken (60,50 min)', 182],
      ['fee-paper-invoice', 'Papieren factuur', 125],
      ['fee-no-direct-debit', 'Betaling zonder SEPA-incasso', 250],
    ]);
  });

  it('has subtotal, 21% VAT, total, and a due date after the payment term', () => {
    const inv = buildInvoice(base({ numbers: [{ e164: '+319091234567', type: '0909', startOn: '2025-01-01' }], settings: { paperInvoice: true, directDebit: true } }), 1)!;
    expect([inv.subtotalCents, inv.vatCents, inv.totalCents]).toEqual([2625, 551, 3176]); // 551.25
    expect(inv.lines.reduce((s, l) => s + l.vatCents, 0)).toBe(inv.vatCents);
    expect([inv.issuedOn, inv.dueOn]).toEqual(['2026-11-01', '2026-11-15']);
  });

  it('no chargeable line, no invoice (fees alone are not billed)', () => {
    expect(buildInvoice(base({ settings: { paperInvoice: true, directDebit: false } }), 1)).toBeUndefined();
  });

  it('the same input gives the same invoice and content hash, whenever it is built', () => {
    const input = base({ numbers: [{ e164: '+319091234567', type: '0909', startOn: '2026-10-03' }] });
    const a = buildInvoice(input, 1)!;
    const b = buildInvoice(input, 999)!;
    expect(b.contentHash).toBe(a.contentHash);
    expect({ ...b, createdAt: 1 }).toEqual(a);
  });
});

describe('minimum spend and fair use are shown, not applied', () => {
  it('shows the shortfall against the minimum spend without adding it', () => {
    const inv = buildInvoice(base({ numbers: [{ e164: '+319091234567', type: '0909', startOn: '2025-01-01' }], settings: { paperInvoice: false, directDebit: true, expectedMonthlyCents: 20_000, minimumSpendPercent: 25 } }), 1)!;
    expect(inv.checks.minimumSpend).toEqual({ expectedMonthlyCents: 20_000, percent: 25, minimumCents: 5000, subtotalCents: 2500, shortfallCents: 2500 });
    expect(inv.subtotalCents).toBe(2500);
  });

  it.each([
    ['exactly 15% over the bundle is fair use', 1150 * 60, false],
    ['one second more flags the customer', 1150 * 60 + 1, true],
  ])('%s', (_name, seconds, flagged) => {
    const inv = buildInvoice(base({ numbers: [{ e164: '+318512345678', type: '085', startOn: '2025-01-01' }], settings: { paperInvoice: false, directDebit: true, unlimitedBundleMinutes: 1000 }, outbound: { billableSeconds: seconds, chargesExclMilliCents: 0 } }), 1)!;
    expect(inv.checks.fairUse?.flagged).toBe(flagged);
    expect(inv.checks.fairUse?.limitMinutes).toBe(1150);
    expect(inv.subtotalCents).toBe(695);
  });
});
