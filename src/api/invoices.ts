import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MonthNotEnded, type BillingService, type RunResult } from '../billing/InvoiceRun.js';
import { invoicesCsv, statementsCsv } from '../billing/billingCsv.js';
import { PAYMENT_METHODS, type Invoice } from '../billing/BillingTypes.js';
import { CreditRefused } from '../billing/creditNotes.js';
import { isValidVatId, OperatorDetailsMissing } from '../billing/OperatorDetails.js';
import { PaymentRefused } from '../billing/payments.js';
import { isCalendarDate } from '../inventory/calendar.js';
import { invoicePdf, statementPdf } from '../billing/pdf/documentPdf.js';
import { MONTH_PATTERN } from '../cdr/reports.js';
import type { ApiContext } from './ApiTypes.js';
import { ownOr404, seesCustomer, type Principal } from './auth.js';
import { IdSchema } from './customers.js';
import { ApiError, forbidden, notFound, validationError } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';

/**
 * Invoices, credit notes and outpayment statements (src/billing/). The platform runs a month
 * and issues credit notes; a beheerder reads its own customer's documents (another customer's
 * is a 404); a gebruiker none. A document comes as JSON, CSV (`format=csv`) or PDF
 * (`format=pdf`, or the id with '.pdf': /invoices/F2026100001.pdf).
 */

const Month = z.string().regex(MONTH_PATTERN, 'a month as YYYY-MM, e.g. 2026-10').describe('Dutch calendar month, YYYY-MM');
const Format = z.enum(['json', 'csv', 'pdf']);

const ListQuery = z.strictObject({
  month: Month.optional(),
  customerId: IdSchema.optional().describe('platform only: one customer'),
  format: z.enum(['json', 'csv']).default('json'),
});
const DocQuery = z.strictObject({ format: Format.optional().describe("default json; also chosen by a '.pdf'/'.csv' suffix on the id") });
const RunBody = z.strictObject({ month: Month });

/** 'F2026100001', 'F2026100001-C1', with an optional format suffix. */
const InvoiceParams = z.strictObject({ invoiceId: z.string().regex(/^F\d{10}(-C\d{1,4})?(\.(json|csv|pdf))?$/, "an invoice number such as 'F2026100001' or 'F2026100001-C1' (optionally + .pdf/.csv)") });
const StatementParams = z.strictObject({ statementId: z.string().regex(/^O\d{10}(\.(json|csv|pdf))?$/, "a statement number such as 'O2026100001' (optionally + .pdf/.csv)") });
const CustomerParams = z.strictObject({ customerId: IdSchema });

const CreditBody = z.strictObject({
  reason: z.string().min(1).max(500).describe('printed on the credit note'),
  lines: z
    .array(z.strictObject({ index: z.number().int().min(0).describe("the invoice line (0-based)"), amountCents: z.number().int().min(1).optional().describe('default: what is left of the line') }))
    .min(1)
    .optional()
    .describe('unset: credit the whole invoice (what is left of it)'),
});

export const PaymentBody = z.strictObject({
  amountCents: z.number().int().min(1).max(1_000_000_000).describe('euro cents received'),
  date: z.string().refine(isCalendarDate, 'a date as YYYY-MM-DD').describe('when the money arrived (not in the future)'),
  method: z.enum(PAYMENT_METHODS).describe("'sepa_direct_debit' (a collection from the bank's result), 'transfer', 'set_off' (by hand; a statement's set-offs are recorded by its run)"),
  reference: z.string().trim().min(1).max(140).describe('bank statement reference (SEPA remittance: at most 140 characters)'),
});

const SettingsBody = z.strictObject({
  paperInvoice: z.boolean().optional().describe('a paper invoice (fee from the price list)'),
  directDebit: z.boolean().optional().describe('pays by SEPA direct debit; false adds the fee'),
  expectedMonthlyCents: z.number().int().min(0).nullable().optional().describe('volume the customer said to expect, cents a month excl. VAT; null clears'),
  minimumSpendPercent: z.number().int().min(0).max(100).nullable().optional().describe('share of the expected volume that is the minimum spend; null clears'),
  unlimitedBundleMinutes: z.number().int().min(1).nullable().optional().describe('outbound minutes of an unlimited bundle, for the fair-use check; null clears'),
  setOffOutpayment: z.boolean().optional().describe('set outpayments off against open invoices'),
  address: z.array(z.string().min(1).max(200)).max(6).nullable().optional().describe('billing address lines, printed on every document (required to issue one)'),
  vatId: z
    .string()
    .transform((v) => v.replace(/[\s.]/g, '').toUpperCase())
    .refine(isValidVatId, "an EU VAT id such as NL000099998B57 (a Dutch one must pass its check)")
    .nullable()
    .optional()
    .describe("the customer's VAT id, printed when given; null clears"),
});

const Line = z.object({
  code: z.string(),
  description: z.string(),
  reference: z.string().optional(),
  period: z.object({ from: z.string(), to: z.string(), days: z.number().int(), daysInMonth: z.number().int() }).optional(),
  minutes: z.string().optional(),
  unitPriceCents: z.number().int(),
  amountCents: z.number().int().describe('excl. VAT'),
  vatCents: z.number().int().describe("the line's share of the invoice VAT (VAT is computed on the subtotal)"),
});

const Party = z.object({ name: z.string(), address: z.array(z.string()), vatId: z.string().optional() });
const Seller = Party.extend({ kvk: z.string(), vatId: z.string(), iban: z.string(), bic: z.string(), email: z.string().optional(), phone: z.string().optional(), demo: z.literal(true).optional().describe('demo details: not a valid invoice') });
export const PaymentStateSchema = z.object({
  status: z.enum(['open', 'partly_paid', 'paid']),
  creditedCents: z.number().int(),
  paidCents: z.number().int(),
  openCents: z.number().int(),
  refundDueCents: z.number().int().describe('paid and credited beyond the total: owed back to the customer'),
}).describe('derived from payments and credit notes; invoices only');
export const PaymentSchema = z.object({ id: z.string(), invoiceId: z.string(), customerId: z.string(), amountCents: z.number().int(), date: z.string(), method: z.enum(PAYMENT_METHODS), reference: z.string() });

export const InvoiceSchema = z.object({
  id: z.string(),
  seller: Seller.optional().describe("the operator's details when issued (frozen); absent on invoices issued before they were recorded"),
  buyer: Party.optional().describe("the customer's name, billing address and VAT id when issued (frozen); absent on invoices issued before they were recorded"),
  directDebit: z.boolean().optional().describe('collected by SEPA direct debit on the due date; absent (unknown) on invoices issued before it was recorded: never set off'),
  payment: PaymentStateSchema.optional(),
  number: z.string(),
  kind: z.enum(['invoice', 'credit-note']),
  customerId: z.string(),
  customerName: z.string(),
  month: z.string(),
  issuedOn: z.string(),
  dueOn: z.string(),
  paymentTermDays: z.number().int(),
  priceListVersion: z.string(),
  vatPercent: z.number().int(),
  lines: z.array(Line),
  subtotalCents: z.number().int(),
  vatCents: z.number().int(),
  totalCents: z.number().int(),
  checks: z.object({
    minimumSpend: z.object({ expectedMonthlyCents: z.number(), percent: z.number(), minimumCents: z.number(), subtotalCents: z.number(), shortfallCents: z.number() }).optional(),
    fairUse: z.object({ bundleMinutes: z.number(), marginPercent: z.number(), usedMinutes: z.string(), limitMinutes: z.number(), flagged: z.boolean() }).optional(),
  }).describe('shown, never applied to the amounts'),
  creditsInvoiceId: z.string().optional(),
  reason: z.string().optional(),
  contentHash: z.string(),
});

export const StatementSchema = z.object({
  id: z.string(),
  seller: Seller.optional().describe('absent on statements issued before the parties were recorded'),
  buyer: Party.optional(),
  number: z.string(),
  customerId: z.string(),
  customerName: z.string(),
  month: z.string(),
  issuedOn: z.string(),
  paymentOn: z.string().describe('the 10th working day (NL) of the next month'),
  lines: z.array(z.object({ number: z.string(), calls: z.number().int(), minutes: z.string(), revenueInclVatCents: z.number().int(), revenueExclVatCents: z.number().int(), costCents: z.number().int(), outpaymentCents: z.number().int() })),
  subtotalCents: z.number().int(),
  vatPercent: z.number().int(),
  vatCents: z.number().int(),
  totalCents: z.number().int(),
  setOffs: z.array(z.object({ invoiceId: z.string(), amountCents: z.number().int() })),
  payableCents: z.number().int(),
  contentHash: z.string(),
});

const RunSchema = (doc: z.ZodType) =>
  z.object({
    month: z.string(),
    created: z.array(doc),
    unchanged: z.array(doc),
    changed: z.array(doc).describe('issued before; current data differs (correct with a credit note)'),
    refused: z.array(z.object({ customerId: z.string(), customerName: z.string(), reason: z.string() })).describe('not issued, and why (e.g. no billing address)'),
  });

const SettingsSchema = z.object({
  customerId: z.string(),
  paperInvoice: z.boolean(),
  directDebit: z.boolean(),
  expectedMonthlyCents: z.number().int().optional(),
  minimumSpendPercent: z.number().int().optional(),
  unlimitedBundleMinutes: z.number().int().optional(),
  setOffOutpayment: z.boolean(),
  address: z.array(z.string()).optional(),
  vatId: z.string().optional(),
});

function readerScope(p: Principal, customerId: string | undefined): string | undefined {
  if (p.role === 'gebruiker') throw forbidden('invoices and statements are for the platform and customer administrators');
  return p.role === 'beheerder' ? p.customerId : customerId;
}

/** Runs and credit notes without the operator's legal details: a configuration problem, not the request's. */
function operatorMissing(err: unknown): unknown {
  return err instanceof OperatorDetailsMissing ? new ApiError(409, { error: 'operator_details_missing', message: err.message }) : err;
}

function requirePlatform(p: Principal, action: string): void {
  if (p.role !== 'platform') throw forbidden(`only the platform token may ${action}`);
}

/** The id without its format suffix, and the format (suffix, else query, else json). */
function splitId(raw: string, format: z.output<typeof Format> | undefined): { id: string; format: z.output<typeof Format> } {
  const m = /^(.*)\.(json|csv|pdf)$/.exec(raw);
  return m ? { id: m[1], format: m[2] as z.output<typeof Format> } : { id: raw, format: format ?? 'json' };
}

const stripInternal = <T extends { version: number; createdAt: number }>(d: T): Omit<T, 'version' | 'createdAt'> => {
  const { version: _v, createdAt: _c, ...rest } = d;
  return rest;
};

/** The three routes every kind of document has: list (JSON/CSV), one (JSON/CSV/PDF), and the month's run (platform). */
function documentRoutes<T extends { customerId: string; version: number; createdAt: number }>(kind: {
  path: '/invoices' | '/outpayment-statements';
  param: 'invoiceId' | 'statementId';
  params: z.ZodType;
  what: string;
  schema: z.ZodType;
  list: (filter: { customerId?: string; month?: string }) => Promise<T[]>;
  get: (id: string) => Promise<T | undefined>;
  run: (month: string) => Promise<RunResult<T>>;
  csv: (docs: T[]) => Promise<string>;
  pdf: (doc: T) => Promise<Buffer>;
  /** JSON as served (the invoices add their payment state). */
  view: (docs: T[]) => Promise<unknown[]>;
}): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      path: kind.path,
      summary: `${kind.what}, by number; per month and customer (JSON, or CSV with a row per line)`,
      tag: 'invoices',
      query: ListQuery,
      success: { status: 200, description: `${kind.what}; text/csv with format=csv`, schema: z.array(kind.schema) },
      errors: [403],
      async handle({ principal, query }) {
        const customerId = readerScope(principal, query.customerId);
        const list = await kind.list({ ...(customerId !== undefined ? { customerId } : {}), ...(query.month !== undefined ? { month: query.month } : {}) });
        return { status: 200, body: query.format === 'csv' ? await kind.csv(list) : await kind.view(list) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${kind.path}/:${kind.param}`,
      summary: `One of the ${kind.what.toLowerCase()}: JSON, CSV or a Dutch PDF (format=pdf or '.pdf')`,
      tag: 'invoices',
      params: kind.params,
      query: DocQuery,
      success: { status: 200, description: 'The document; application/pdf or text/csv when asked', schema: kind.schema },
      errors: [403, 404],
      async handle({ principal, params, query }) {
        readerScope(principal, undefined);
        const { id, format } = splitId((params as Record<string, string>)[kind.param], query.format);
        const doc = ownOr404(principal, await kind.get(id));
        if (format === 'pdf') return { status: 200, body: await kind.pdf(doc) };
        return { status: 200, body: format === 'csv' ? await kind.csv([doc]) : (await kind.view([doc]))[0] };
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${kind.path}/run`,
      summary: `The month's ${kind.what.toLowerCase()} (platform): issues what is missing, proves what was issued identical`,
      tag: 'invoices',
      body: RunBody,
      success: { status: 200, description: 'What the run issued and found', schema: RunSchema(kind.schema) },
      errors: [403, 409],
      async handle({ principal, body }) {
        if (principal.role !== 'platform') throw forbidden(`only the platform token may run ${kind.what.toLowerCase()}`);
        const r = await kind.run(body.month).catch((err: unknown) => {
          throw err instanceof MonthNotEnded ? validationError([{ path: 'month', message: err.message }]) : operatorMissing(err);
        });
        return { status: 200, body: { month: r.month, created: r.created.map(stripInternal), unchanged: r.unchanged.map(stripInternal), changed: r.changed.map(stripInternal), refused: r.refused } };
      },
    }),
  ];
}

export function billingRoutes(ctx: ApiContext, billing: BillingService): RouteDef[] {
  const settingsView = async (customerId: string) => stripInternal({ ...(await billing.settings(customerId)), createdAt: 0 });
  const invoiceViews = async (docs: Invoice[]) => {
    const states = await billing.paymentStates(docs);
    return docs.map((d) => ({ ...stripInternal(d), ...(states.has(d.id) ? { payment: states.get(d.id) } : {}) }));
  };
  return [
    ...documentRoutes({
      path: '/invoices', param: 'invoiceId', params: InvoiceParams, what: 'Invoices and credit notes', schema: InvoiceSchema,
      list: (f) => billing.listInvoices(f), get: (id) => billing.getInvoice(id), run: (m) => billing.runInvoices(m), pdf: invoicePdf,
      csv: async (docs) => invoicesCsv(docs, await billing.paymentStates(docs)), view: invoiceViews,
    }),
    ...documentRoutes({
      path: '/outpayment-statements', param: 'statementId', params: StatementParams, what: 'Outpayment statements', schema: StatementSchema,
      list: (f) => billing.listStatements(f), get: (id) => billing.getStatement(id), run: (m) => billing.runStatements(m), pdf: statementPdf,
      csv: async (docs) => statementsCsv(docs), view: async (docs) => docs.map(stripInternal),
    }),
    defineRoute({
      method: 'POST',
      path: '/invoices/:invoiceId/credit-notes',
      summary: 'A credit note against an invoice (platform): negative lines referencing it; the invoice is never edited',
      tag: 'invoices',
      params: InvoiceParams,
      body: CreditBody,
      success: { status: 201, description: 'The credit note', schema: InvoiceSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        requirePlatform(principal, 'issue credit notes');
        const id = splitId(params.invoiceId, undefined).id;
        if (!(await billing.getInvoice(id))) throw notFound();
        try {
          const note = await billing.creditNote(id, { reason: body.reason, ...(body.lines ? { lines: body.lines.map((l) => ({ index: l.index, ...(l.amountCents !== undefined ? { amountCents: l.amountCents } : {}) })) } : {}) });
          return { status: 201, body: stripInternal(note) };
        } catch (err) {
          if (err instanceof CreditRefused) throw validationError([{ path: err.field, message: err.message }]);
          throw operatorMissing(err);
        }
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/invoices/:invoiceId/payments',
      summary: 'Record a payment received on an invoice (platform): a transfer, a SEPA direct debit collected, a set-off',
      tag: 'invoices',
      params: InvoiceParams,
      body: PaymentBody,
      success: { status: 201, description: "The payment and the invoice's payment state after it", schema: z.object({ payment: PaymentSchema, state: PaymentStateSchema }) },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        requirePlatform(principal, 'record payments');
        const id = splitId(params.invoiceId, undefined).id;
        const invoice = await billing.getInvoice(id);
        if (!invoice) throw notFound();
        try {
          const payment = await billing.recordPayment(id, body);
          const state = (await billing.paymentStates([invoice])).get(id);
          return { status: 201, body: { payment: stripInternal(payment), state } };
        } catch (err) {
          if (err instanceof PaymentRefused) throw validationError([{ path: err.field, message: err.message }]);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/invoices/:invoiceId/payments',
      summary: 'Payments recorded on an invoice, oldest first',
      tag: 'invoices',
      params: InvoiceParams,
      success: { status: 200, description: 'The payments', schema: z.array(PaymentSchema) },
      errors: [403, 404],
      async handle({ principal, params }) {
        readerScope(principal, undefined);
        const id = splitId(params.invoiceId, undefined).id;
        ownOr404(principal, await billing.getInvoice(id));
        return { status: 200, body: (await billing.paymentsOf(id)).map(stripInternal) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers/:customerId/billing',
      summary: "A customer's billing settings: paper invoice, direct debit, minimum spend, fair-use bundle, set-off",
      tag: 'invoices',
      params: CustomerParams,
      success: { status: 200, description: 'The settings (defaults when never set)', schema: SettingsSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        readerScope(principal, undefined);
        if (!seesCustomer(principal, params.customerId) || !(await ctx.store.customers.get(params.customerId))) throw notFound();
        return { status: 200, body: await settingsView(params.customerId) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/customers/:customerId/billing',
      summary: "Change a customer's billing settings (platform); null clears an optional figure",
      tag: 'invoices',
      params: CustomerParams,
      body: SettingsBody,
      success: { status: 200, description: 'The settings', schema: SettingsSchema },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        requirePlatform(principal, 'change billing settings');
        if (!(await ctx.store.customers.get(params.customerId))) throw notFound();
        const { id: _id, customerId: _c, version: _v, ...cur } = await billing.settings(params.customerId);
        const merged: Record<string, unknown> = { ...cur };
        for (const [k, v] of Object.entries(body)) {
          if (v === null) delete merged[k];
          else if (v !== undefined) merged[k] = v;
        }
        await billing.putSettings(params.customerId, merged as Parameters<BillingService['putSettings']>[1]);
        return { status: 200, body: await settingsView(params.customerId) };
      },
    }),
  ];
}

const DOCUMENT_ROUTES = ['/invoices/:invoiceId', '/outpayment-statements/:statementId', '/invoices', '/outpayment-statements'];

/** PDFs as application/pdf (inline, named by the document number), CSV as text/csv. */
export function serveBillingDocuments(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const url = req.routeOptions.url ?? '';
    if (reply.statusCode !== 200 || !DOCUMENT_ROUTES.some((r) => url.endsWith(r))) return payload;
    if (Buffer.isBuffer(payload)) {
      const params = req.params as { invoiceId?: string; statementId?: string };
      const id = (params.invoiceId ?? params.statementId ?? 'document').replace(/\.(json|csv|pdf)$/, '');
      reply.header('content-type', 'application/pdf');
      reply.header('content-disposition', `inline; filename="${id}.pdf"`);
    } else if (typeof payload === 'string' && !payload.startsWith('{') && !payload.startsWith('[')) {
      reply.header('content-type', 'text/csv; charset=utf-8');
    }
    return payload;
  });
}

/** The OpenAPI document names the PDF and CSV answers of the document routes. */
export function describeBillingDocuments(document: Record<string, unknown>, prefix: string): void {
  const paths = document.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
  for (const route of ['/invoices/{invoiceId}', '/outpayment-statements/{statementId}']) {
    const ok = paths[`${prefix}${route}`]?.get?.responses[200];
    if (ok?.content) {
      ok.content['application/pdf'] = { schema: { type: 'string', contentMediaType: 'application/pdf' } };
      ok.content['text/csv'] = { schema: { type: 'string' } };
    }
  }
}
