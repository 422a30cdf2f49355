import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CdrLog } from '../cdr/CdrLog.js';
import type { Cdr } from '../cdr/CdrTypes.js';
import { scanRangeOf } from '../cdr/history.js';
import { monthOf, MonthTotals } from '../cdr/MonthlyAggregates.js';
import { dailyRevenue, isPremiumCdr, monthRevenue, monthsUpTo } from '../cdr/revenue.js';
import { MONTH_PATTERN, outpaymentCsv, outpaymentReport, usageCsv, usageReport, type ReportScope } from '../cdr/reports.js';
import type { ApiContext } from './ApiTypes.js';
import type { Principal } from './auth.js';
import { IdSchema } from './customers.js';
import { forbidden } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';

/**
 * Monthly reports from the CDR totals: the outpayment per customer and number, and the usage
 * per number. The platform sees every customer (or one, with customerId); a beheerder only its
 * own customer, whatever customerId it passes; a gebruiker none. `format=csv` answers text/csv.
 */

const ReportQuery = z.strictObject({
  month: z.string().regex(MONTH_PATTERN, 'a month as YYYY-MM, e.g. 2026-10').describe('Dutch calendar month, YYYY-MM'),
  customerId: IdSchema.optional().describe('platform only: one customer'),
  format: z.enum(['json', 'csv']).default('json'),
});

const Figures = {
  calls: z.number().int().describe('calls with billable seconds'),
  billableSeconds: z.number().int(),
  minutes: z.string().describe("billable minutes, two decimals: '10.00'"),
  revenueInclVatCents: z.number().int().describe("callers' charges incl. 21% VAT, euro cents"),
  revenueExclVatMilliCents: z.number().int().describe('the same excl. VAT, 1/1000 euro cent'),
  costMilliCents: z.number().int().describe("the operator's cost per minute by number type, 1/1000 euro cent"),
  outpaymentMilliCents: z.number().int().describe('revenue excl. VAT minus costs, 1/1000 euro cent'),
};

const OutpaymentSchema = z.object({
  month: z.string(),
  customers: z.array(
    z.object({
      customerId: z.string(),
      customerName: z.string().optional(),
      numbers: z.array(z.object({ number: z.string().describe('E.164'), ...Figures })),
      total: z.object(Figures),
    }),
  ),
  total: z.object(Figures),
});

const UsageSchema = z.object({
  month: z.string(),
  lines: z.array(
    z.object({
      customerId: z.string(),
      customerName: z.string().optional(),
      line: z.string().describe("a service number (E.164), or 'outbound' / 'extension' for calls from phones"),
      attempts: z.number().int().describe('every call, answered or not'),
      answered: z.number().int(),
      billableSeconds: z.number().int(),
      minutes: z.string(),
      chargesExclVatMilliCents: z.number().int().describe('outbound: charges counted against the credit limit'),
    }),
  ),
});

const RevenueQuery = z.strictObject({
  month: z.string().regex(MONTH_PATTERN, 'a month as YYYY-MM, e.g. 2026-10').describe('Dutch calendar month, YYYY-MM'),
  customerId: IdSchema.optional().describe('platform only: one customer'),
});

const RevenueFiguresSchema = z.object({
  calls: Figures.calls,
  billableSeconds: Figures.billableSeconds,
  minutes: Figures.minutes,
  revenueInclVatCents: Figures.revenueInclVatCents,
  revenueExclVatMilliCents: Figures.revenueExclVatMilliCents,
  costMilliCents: Figures.costMilliCents,
  outpaymentMilliCents: Figures.outpaymentMilliCents,
});

export const RevenueSchema = z.object({
  month: z.string(),
  days: z.array(RevenueFiguresSchema.extend({ day: z.string().describe('YYYY-MM-DD, Dutch time') })).describe('every day of the month, from its CDRs'),
  total: RevenueFiguresSchema.describe("the month's running totals"),
  months: z.array(RevenueFiguresSchema.extend({ month: z.string() })).describe('the twelve months up to and including this one'),
});

/** Months shown next to the chosen one in the revenue dashboard. */
const REVENUE_MONTHS = 12;

const REPORT_PATHS = ['/reports/outpayment', '/reports/usage', '/cdrs'];

async function scopeOf(ctx: ApiContext, p: Principal, customerId: string | undefined): Promise<ReportScope> {
  if (p.role === 'gebruiker') throw forbidden('reports are for the platform and customer administrators');
  const names = new Map((await ctx.store.customers.list()).map((c) => [c.id, c.name]));
  if (p.role === 'beheerder') return { customerId: p.customerId, names };
  return { ...(customerId !== undefined ? { customerId } : {}), names };
}

export function reportRoutes(ctx: ApiContext, cdr: CdrLog | undefined): RouteDef[] {
  const month = async (m: string): Promise<MonthTotals> => (cdr ? cdr.month(m) : new MonthTotals());
  /** One report route: the month's totals, scoped to what the principal may see, as JSON or CSV. */
  const reportRoute = <R>(path: string, summary: string, schema: z.ZodType, build: (m: string, t: MonthTotals, s: ReportScope) => R, toCsv: (r: R) => string): RouteDef =>
    defineRoute({
      method: 'GET',
      path,
      summary,
      tag: 'reports',
      query: ReportQuery,
      success: { status: 200, description: 'The report; text/csv with format=csv', schema },
      errors: [403],
      async handle({ principal, query }) {
        const report = build(query.month, await month(query.month), await scopeOf(ctx, principal, query.customerId));
        return { status: 200, body: query.format === 'csv' ? toCsv(report) : report };
      },
    });
  const revenue = defineRoute({
    method: 'GET',
    path: '/reports/revenue',
    summary: '090x numbers: calls, minutes, revenue incl. and excl. VAT and outpayment per day of a month, the month, and the twelve months up to it',
    tag: 'reports',
    query: RevenueQuery,
    success: { status: 200, description: 'Daily series, month total and monthly series', schema: RevenueSchema },
    errors: [403],
    async handle({ principal, query }) {
      const scope = await scopeOf(ctx, principal, query.customerId);
      const mine = (c: Cdr): boolean => isPremiumCdr(c) && monthOf(c.startedAt) === query.month && (scope.customerId === undefined || c.customerId === scope.customerId);
      const cdrs = cdr ? await cdr.scan(scanRangeOf({ month: query.month }), mine) : [];
      const months = await Promise.all(monthsUpTo(query.month, REVENUE_MONTHS).map(async (m) => ({ month: m, ...monthRevenue(await month(m), scope.customerId) })));
      return { status: 200, body: { month: query.month, days: dailyRevenue(query.month, cdrs), total: monthRevenue(await month(query.month), scope.customerId), months } };
    },
  });
  return [
    revenue,
    reportRoute('/reports/outpayment', 'Outpayment per customer and per service number for a month (JSON, or CSV with format=csv)', OutpaymentSchema, outpaymentReport, outpaymentCsv),
    reportRoute('/reports/usage', 'Call attempts and minutes per number (and per kind of phone call) for a month', UsageSchema, usageReport, usageCsv),
  ];
}

/** CSV answers carry text/csv (the routes return the text as the body). */
export function serveReportCsv(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const url = req.routeOptions.url ?? '';
    if (reply.statusCode === 200 && typeof payload === 'string' && REPORT_PATHS.some((p) => url.endsWith(p)) && !payload.startsWith('{')) {
      reply.header('content-type', 'text/csv; charset=utf-8');
    }
    return payload;
  });
}
