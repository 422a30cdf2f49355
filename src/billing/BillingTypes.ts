/**
 * Invoices ("facturen"), credit notes ("creditnota's"), outpayment statements
 * ("outpaymentnota's") and the per-customer billing settings. Money is in integer euro cents
 * excl. VAT unless a name says otherwise. Issued documents are never changed: a correction is a
 * credit note that references the invoice, and set-offs are recorded on the statement.
 */
import type { RecordTable, VersionedRecord } from '../inventory/InventoryTypes.js';
import type { OperatorDetails } from './OperatorDetails.js';

/** The customer as printed on a document (Wet OB art. 35a: name and address; the VAT id when given). */
export interface BuyerDetails {
  name: string;
  address: string[];
  vatId?: string;
}

/**
 * Who is on a document, frozen when it is issued: the operator's details of that day and the
 * customer's name and billing address of that day. Later changes never touch an issued document.
 */
export interface DocumentParties {
  seller: OperatorDetails;
  buyer: BuyerDetails;
}

/**
 * The parties as stored: documents issued before the legal details were recorded have neither
 * (their PDF names the customer by `customerName` and says the operator's details were not kept).
 */
export type StoredParties = Partial<DocumentParties>;

export type InvoiceLineCode = 'service-number' | 'voip-package' | 'outbound-usage' | 'fee-paper-invoice' | 'fee-no-direct-debit' | 'credit';

export interface InvoiceLine {
  code: InvoiceLineCode;
  /** Dutch, as printed: 'Servicenummer 0909 123 4567 (plus-pakket)'. */
  description: string;
  /** The number, account id or invoice line it is about. */
  reference?: string;
  /** Pro rata lines: the active days ('YYYY-MM-DD', inclusive) and the month's length. */
  period?: { from: string; to: string; days: number; daysInMonth: number };
  /** Usage lines: billable minutes, two decimals. */
  minutes?: string;
  /** The full monthly price (pro rata lines) or the fee. */
  unitPriceCents: number;
  amountCents: number;
  /** This line's share of the invoice VAT (see vat.ts): the line shares add up to the total VAT. */
  vatCents: number;
}

/** Shown, never applied: the minimum monthly spend and the fair-use check. */
export interface InvoiceChecks {
  minimumSpend?: { expectedMonthlyCents: number; percent: number; minimumCents: number; subtotalCents: number; shortfallCents: number };
  fairUse?: { bundleMinutes: number; marginPercent: number; usedMinutes: string; limitMinutes: number; flagged: boolean };
}

export interface Invoice extends VersionedRecord, StoredParties {
  customerId: string;
  /** 'invoice', or a 'credit-note' for `creditsInvoiceId`. */
  kind: 'invoice' | 'credit-note';
  /** The document number, also the id: 'F2026100001', or '<invoice>-C1' for its first credit note. */
  number: string;
  customerName: string;
  /** The month invoiced ('YYYY-MM'), the credited invoice's month for a credit note. */
  month: string;
  /** 'YYYY-MM-DD': the first day after the month (deterministic), or the credit note's date. */
  issuedOn: string;
  dueOn: string;
  paymentTermDays: number;
  /** effectiveFrom of the price list version used. */
  priceListVersion: string;
  vatPercent: number;
  lines: InvoiceLine[];
  subtotalCents: number;
  vatCents: number;
  totalCents: number;
  checks: InvoiceChecks;
  creditsInvoiceId?: string;
  reason?: string;
  /**
   * Collected by SEPA direct debit on the due date (the customer's setting when issued); false:
   * paid by transfer. Absent on invoices issued before it was recorded: unknown, so such an
   * invoice is never set off against an outpayment (it may have been collected).
   */
  directDebit?: boolean;
  /** SHA-256 of the content (everything but version and createdAt): a re-run proves it identical. */
  contentHash: string;
  createdAt: number;
}

export interface StatementLine {
  /** E.164 of the 090x/18xy number */
  number: string;
  calls: number;
  minutes: string;
  revenueInclVatCents: number;
  revenueExclVatCents: number;
  costCents: number;
  outpaymentCents: number;
}

/** An open invoice set off against the outpayment. */
export interface SetOff {
  invoiceId: string;
  amountCents: number;
}

export interface OutpaymentStatement extends VersionedRecord, StoredParties {
  customerId: string;
  /** 'O2026100001' */
  number: string;
  customerName: string;
  month: string;
  issuedOn: string;
  /** The 10th working day (NL) of the next month. */
  paymentOn: string;
  lines: StatementLine[];
  /** Sum of the lines' outpayment, excl. VAT. */
  subtotalCents: number;
  vatPercent: number;
  vatCents: number;
  totalCents: number;
  setOffs: SetOff[];
  /** totalCents minus the set-offs: what is transferred (negative: the customer owes it). */
  payableCents: number;
  contentHash: string;
  createdAt: number;
}

/** Per customer; absent means the defaults (electronic invoice, direct debit, no checks). */
export interface BillingSettings extends VersionedRecord {
  customerId: string;
  paperInvoice: boolean;
  directDebit: boolean;
  /** The volume the customer said to expect, cents a month excl. VAT; with minimumSpendPercent the minimum spend. */
  expectedMonthlyCents?: number;
  minimumSpendPercent?: number;
  /** Outbound minutes of an unlimited bundle (fair use). */
  unlimitedBundleMinutes?: number;
  /** Set the outpayment off against open invoices. */
  setOffOutpayment: boolean;
  /** Invoice address lines (Dutch), printed under the name. */
  address?: string[];
  /** The customer's VAT id, printed when given. */
  vatId?: string;
}

export const DEFAULT_SETTINGS: Omit<BillingSettings, 'id' | 'customerId' | 'version'> = {
  paperInvoice: false,
  directDebit: true,
  setOffOutpayment: false,
};

export const PAYMENT_METHODS = ['sepa_direct_debit', 'transfer', 'set_off'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * A payment received on an invoice: a bank transfer, a SEPA direct debit's collection (recorded
 * from the bank's result), or the set-off of an outpayment statement (recorded by the statement
 * run, reference = the statement number). Never edited; the id is '<invoice>-P<n>', or
 * '<invoice>-<statement>' for a set-off (one per statement and invoice).
 */
export interface Payment extends VersionedRecord {
  customerId: string;
  invoiceId: string;
  amountCents: number;
  /** 'YYYY-MM-DD' the money arrived (or the set-off took effect). */
  date: string;
  method: PaymentMethod;
  reference: string;
  createdAt: number;
}

export type InvoiceStatus = 'open' | 'partly_paid' | 'paid';

/** An invoice's payment state, derived (never stored): its total less credit notes and payments. */
export interface InvoicePaymentState {
  status: InvoiceStatus;
  /** Credit notes against it (positive cents, incl. VAT). */
  creditedCents: number;
  paidCents: number;
  openCents: number;
  /** Paid and credited beyond the total (a credit note after payment): owed back to the customer. */
  refundDueCents: number;
}

/** The billing part of the Store: four tables of the same compare-and-set kind as the inventory's. Settings' id is the customer id. */
export interface BillingRepo {
  readonly invoices: RecordTable<Invoice>;
  readonly statements: RecordTable<OutpaymentStatement>;
  readonly settings: RecordTable<BillingSettings>;
  readonly payments: RecordTable<Payment>;
}
