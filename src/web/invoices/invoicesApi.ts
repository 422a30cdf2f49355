import type { z } from 'zod';
import type { CustomerSchema } from '../../api/customers.js';
import type { InvoiceSchema, PaymentBody, PaymentSchema, StatementSchema } from '../../api/invoices.js';
import type { RunResult } from '../../billing/InvoiceRun.js';
import type { Api } from '../api.js';

/**
 * The billing routes (src/api/invoices.ts) as the invoices page uses them; shapes are the
 * server's response schemas, as types only.
 */

export type Invoice = z.output<typeof InvoiceSchema>;
export type Statement = z.output<typeof StatementSchema>;
export type Payment = z.output<typeof PaymentSchema>;
export type PaymentInput = z.input<typeof PaymentBody>;
export type Customer = z.output<typeof CustomerSchema>;
export type { RunResult };

const monthQuery = (month: string) => (month === '' ? '' : `?month=${encodeURIComponent(month)}`);

/** Euros as typed ('30,25', '30.25', '30') to cents; undefined when it is not an amount. */
export function centsOf(text: string): number | undefined {
  const m = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

export function invoicesApi(api: Api) {
  return {
    invoices: (month: string): Promise<Invoice[]> => api.request('GET', `/invoices${monthQuery(month)}`),
    statements: (month: string): Promise<Statement[]> => api.request('GET', `/outpayment-statements${monthQuery(month)}`),
    customers: (): Promise<Customer[]> => api.request('GET', '/customers'),
    runInvoices: (month: string): Promise<RunResult<Invoice>> => api.request('POST', '/invoices/run', { month }),
    runStatements: (month: string): Promise<RunResult<Statement>> => api.request('POST', '/outpayment-statements/run', { month }),
    pay: (invoiceId: string, body: PaymentInput): Promise<{ payment: Payment }> => api.request('POST', `/invoices/${invoiceId}/payments`, body),
    credit: (invoiceId: string, reason: string, line?: { index: number; amountCents: number }): Promise<Invoice> =>
      api.request('POST', `/invoices/${invoiceId}/credit-notes`, { reason, ...(line ? { lines: [line] } : {}) }),
    /** A document as a blob for a download (a link cannot send the bearer token). */
    file: (kind: 'invoices' | 'outpayment-statements', id: string, format: 'pdf' | 'csv'): Promise<Blob> => api.blob(`/${kind}/${id}.${format}`),
  };
}
export type InvoicesApi = ReturnType<typeof invoicesApi>;
