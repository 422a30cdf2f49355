/**
 * Payments from the bank's result as CSV (`contactsuite invoice import-payments <file>`): a row
 * per payment received, e.g. the SEPA direct debits the bank collected (or reported back failed:
 * leave those out) and the transfers on the statement. Columns, in any order:
 * invoice,amount,date,method,reference — amount in euros ('30.25' or "30,25"), date YYYY-MM-DD,
 * method sepa_direct_debit | transfer | set_off. A file with any unreadable row records nothing,
 * and every problem is named by line (pure; tests in test/billing/paymentImport.test.ts).
 */
import { z } from 'zod';
import { isCalendarDate } from '../inventory/calendar.js';
import { PAYMENT_METHODS } from './BillingTypes.js';
import type { PaymentRequest } from './payments.js';

export const PAYMENT_IMPORT_COLUMNS = ['invoice', 'amount', 'date', 'method', 'reference'] as const;

const Row = z.strictObject({
  invoice: z.string().regex(/^F\d{10}$/, "an invoice number such as 'F2026100001'"),
  amount: z.string().regex(/^\d{1,9}([.,]\d{1,2})?$/, "euros such as '30.25'"),
  date: z.string().refine(isCalendarDate, 'a date as YYYY-MM-DD'),
  method: z.enum(PAYMENT_METHODS),
  reference: z.string().min(1).max(140),
});

export interface ImportedPayment {
  line: number;
  invoiceId: string;
  request: PaymentRequest;
}

export interface ImportProblem {
  line: number;
  message: string;
}

/** One CSV line's fields (RFC 4180 quoting: "a, b" and "say ""hi""" stay one field). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function cents(amount: string): number {
  const [whole, frac = ''] = amount.split(/[.,]/);
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

export function parsePaymentsCsv(text: string): { payments: ImportedPayment[]; problems: ImportProblem[] } {
  const payments: ImportedPayment[] = [];
  const problems: ImportProblem[] = [];
  let header: string[] | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    if (raw.trim() === '' || raw.trim().startsWith('#')) continue;
    const cells = csvFields(raw);
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      const missing = PAYMENT_IMPORT_COLUMNS.filter((c) => !header!.includes(c));
      const unknown = header.filter((h) => !(PAYMENT_IMPORT_COLUMNS as readonly string[]).includes(h));
      if (missing.length > 0 || unknown.length > 0) {
        problems.push({ line, message: `the header must name exactly the columns ${PAYMENT_IMPORT_COLUMNS.join(', ')} (missing: ${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'})` });
        return { payments: [], problems };
      }
      continue;
    }
    if (cells.length !== header.length) {
      problems.push({ line, message: `${cells.length} fields, the header names ${header.length}` });
      continue;
    }
    const row = Row.safeParse(Object.fromEntries(header.map((h, i) => [h, cells[i]])));
    if (!row.success) {
      for (const issue of row.error.issues) problems.push({ line, message: `${issue.path.join('.') || 'row'}: ${issue.message}` });
      continue;
    }
    const amountCents = cents(row.data.amount);
    if (amountCents < 1) {
      problems.push({ line, message: 'amount: more than 0.00 expected' });
      continue;
    }
    payments.push({ line, invoiceId: row.data.invoice, request: { amountCents, date: row.data.date, method: row.data.method, reference: row.data.reference } });
  }
  if (!header) problems.push({ line: 1, message: `empty file: expected a header ${PAYMENT_IMPORT_COLUMNS.join(',')}` });
  return { payments, problems };
}
