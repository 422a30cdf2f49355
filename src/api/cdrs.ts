import { z } from 'zod';
import type { CdrLog } from '../cdr/CdrLog.js';
import { DISPOSITIONS } from '../cdr/CdrTypes.js';
import { cdrView, matchesQuery, pageOf, scanRangeOf, type CdrQuery } from '../cdr/history.js';
import { cdrListCsv, MONTH_PATTERN } from '../cdr/reports.js';
import type { Principal } from './auth.js';
import { IdSchema } from './customers.js';
import { defineRoute, type RouteDef } from './route.js';

/**
 * CDR history: the calls of a month or a range of days, filtered by number and disposition,
 * newest first, a page at a time (or all of them as CSV with format=csv). The platform sees
 * every customer (or one, with customerId); a beheerder its own customer's calls; a gebruiker
 * the calls its own account made or answered. A restricted caller is 'anonymous' everywhere.
 */

const DAY_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export const CdrHistoryQuery = z.strictObject({
  month: z.string().regex(MONTH_PATTERN, 'a month as YYYY-MM, e.g. 2026-10').optional().describe('Dutch calendar month the calls started in'),
  from: z.string().regex(DAY_PATTERN, 'a day as YYYY-MM-DD').optional().describe('first day (Dutch time), inclusive'),
  to: z.string().regex(DAY_PATTERN, 'a day as YYYY-MM-DD').optional().describe('last day (Dutch time), inclusive'),
  number: z.string().max(32).regex(/^\+?[\d\s-]+$/, 'digits, optionally with a leading +').optional().describe('called or calling number; digits match anywhere'),
  disposition: z.enum(DISPOSITIONS).optional(),
  customerId: IdSchema.optional().describe('platform only: one customer'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  format: z.enum(['json', 'csv']).default('json').describe('csv: every matching call (not paged), text/csv'),
});

export const CdrViewSchema = z.object({
  id: z.string(),
  callId: z.string(),
  customerId: z.string().optional(),
  direction: z.enum(['inbound', 'extension', 'outbound']),
  called: z.string(),
  calledType: z.string(),
  caller: z.string().describe("the caller's number, or 'anonymous' (presentation restricted)"),
  startedAt: z.string(),
  answeredAt: z.string().optional(),
  endedAt: z.string(),
  durationSeconds: z.number().int(),
  billableSeconds: z.number().int(),
  disposition: z.enum(DISPOSITIONS),
  answeredBy: z.string().optional(),
  chargeInclVatCents: z.number().int(),
  outpaymentMilliCents: z.number().int(),
});

const CdrPageSchema = z.object({
  total: z.number().int().describe('calls matching the filters'),
  page: z.number().int(),
  pageSize: z.number().int(),
  items: z.array(CdrViewSchema),
});

/** What a principal may see, on top of the filters it asked for. */
function scoped(p: Principal, q: Omit<CdrQuery, 'customerId' | 'accountId'>, customerId: string | undefined): CdrQuery {
  if (p.role === 'gebruiker') return { ...q, customerId: p.customerId, accountId: p.accountId };
  if (p.role === 'beheerder') return { ...q, customerId: p.customerId };
  return { ...q, ...(customerId !== undefined ? { customerId } : {}) };
}

export function cdrRoutes(cdr: CdrLog | undefined): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/cdrs',
      summary: 'CDR history with filters (month or days, number, disposition), newest first and paged; CSV with format=csv',
      tag: 'reports',
      query: CdrHistoryQuery,
      success: { status: 200, description: 'One page of CDRs; text/csv with format=csv', schema: CdrPageSchema },
      errors: [],
      async handle({ principal, query }) {
        const { page, pageSize, format, customerId, ...filters } = query;
        const q = scoped(principal, filters, customerId);
        const cdrs = cdr ? await cdr.scan(scanRangeOf(q), (c) => matchesQuery(c, q)) : [];
        if (format === 'csv') return { status: 200, body: cdrListCsv(pageOf(cdrs, 1, cdrs.length).items) };
        const { total, items } = pageOf(cdrs, page, pageSize);
        return { status: 200, body: { total, page, pageSize, items: items.map(cdrView) } };
      },
    }),
  ];
}
