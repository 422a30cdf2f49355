import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FAX_ID, type FaxInbox, type ReceivedFax } from '../fax/FaxInbox.js';
import { nationalNotation, parseServiceNumber } from '../numbers/normalize.js';
import type { ApiContext } from './ApiTypes.js';
import { seesCustomer, type Principal } from './auth.js';
import { IdSchema } from './customers.js';
import { forbidden, notFound, validationError } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';

/**
 * The fax inbox: the faxes received on a customer's numbers (kept by FaxToEmail under
 * DATA_DIR/fax), listed per number, downloaded, deleted. The platform sees every customer's; a
 * beheerder its own customer's; a gebruiker none (a fax number belongs to the customer, not to
 * an account). Another customer's fax is a 404.
 */

export const FaxSchema = z.object({
  id: z.string().describe('<day>_<id>, e.g. 2026-11-23_101500-1a2b3c4d'),
  customerId: z.string().optional().describe('platform only'),
  calledNumber: z.string().optional().describe('the fax number that was called (E.164)'),
  calledNational: z.string().optional(),
  caller: z.string().optional(),
  receivedAt: z.number().int().describe('epoch milliseconds'),
  success: z.boolean(),
  pages: z.number().int(),
  remoteIdent: z.string().describe("the sender's station id (T.30 TSI), '' when it sent none"),
  seconds: z.number().describe('how long reception took'),
  reason: z.string().describe("why reception ended ('OK' on success)"),
  document: z.enum(['pdf', 'tiff']).optional().describe('what /faxes/{faxId}/document returns; unset when no page arrived'),
});

const FaxParams = z.strictObject({ faxId: z.string().regex(FAX_ID, 'a fax id as <day>_<id>, e.g. 2026-11-23_101500-1a2b3c4d') });
const ListQuery = z.strictObject({
  customerId: IdSchema.optional().describe('platform token: only this customer'),
  number: z.string().min(1).max(40).optional().describe("only faxes to this number (any notation: '085 800 1000', '+31858001000')"),
});

const DOCUMENT_ROUTE = '/faxes/:faxId/document';

function requireAdmin(p: Principal): void {
  if (p.role === 'gebruiker') throw forbidden('a gebruiker token has no access to the fax inbox');
}

/** A fax of the principal's own customer, or a 404 (a fax without a recorded customer: platform only). */
function visible(p: Principal, fax: ReceivedFax | undefined): ReceivedFax {
  if (!fax) throw notFound();
  if (p.role === 'platform') return fax;
  if (fax.customerId === undefined || !seesCustomer(p, fax.customerId)) throw notFound();
  return fax;
}

function view(f: ReceivedFax, p: Principal): z.output<typeof FaxSchema> {
  const { customerId, ...rest } = f;
  return {
    ...rest,
    ...(p.role === 'platform' && customerId !== undefined ? { customerId } : {}),
    ...(f.calledNumber ? { calledNational: nationalNotation(f.calledNumber) } : {}),
  };
}

/** The document is PDF or TIFF, not JSON: the content type follows the file's own signature. */
export function serveFaxDocument(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.routeOptions.url?.endsWith(DOCUMENT_ROUTE) && reply.statusCode === 200 && Buffer.isBuffer(payload)) {
      const pdf = payload.subarray(0, 4).toString('latin1') === '%PDF';
      reply.header('content-type', pdf ? 'application/pdf' : 'image/tiff');
      reply.header('content-disposition', `attachment; filename="fax-${(req.params as { faxId: string }).faxId}.${pdf ? 'pdf' : 'tif'}"`);
    }
    return payload;
  });
}

export function describeFaxDocument(document: Record<string, unknown>, prefix: string): void {
  const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
  const get = paths[`${prefix}${DOCUMENT_ROUTE.replace(/:(\w+)/g, '{$1}')}`]?.get;
  if (get) {
    get.responses[200] = {
      description: 'The fax as received: a PDF, or the TIFF when no PDF could be made',
      content: {
        'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } },
        'image/tiff': { schema: { type: 'string', contentMediaType: 'image/tiff' } },
      },
    };
  }
}

export function faxRoutes(ctx: ApiContext, inbox: FaxInbox): RouteDef[] {
  const { log } = ctx;
  return [
    defineRoute({
      method: 'GET',
      path: '/faxes',
      summary: 'Received faxes, newest first: pages, sender id, duration, success or the reason it failed; per number',
      tag: 'faxes',
      query: ListQuery,
      success: { status: 200, description: 'Faxes', schema: z.array(FaxSchema) },
      errors: [403],
      async handle({ principal, query }) {
        requireAdmin(principal);
        let calledNumber: string | undefined;
        if (query.number !== undefined) {
          const parsed = parseServiceNumber(query.number);
          if ('error' in parsed) throw validationError([{ path: 'number', message: parsed.error }]);
          calledNumber = parsed.e164;
        }
        const customerId = principal.role === 'platform' ? query.customerId : principal.customerId;
        const faxes = await inbox.list({ ...(customerId === undefined ? {} : { customerId }), ...(calledNumber === undefined ? {} : { calledNumber }) });
        return { status: 200, body: faxes.map((f) => view(f, principal)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/faxes/:faxId',
      summary: 'One received fax',
      tag: 'faxes',
      params: FaxParams,
      success: { status: 200, description: 'The fax', schema: FaxSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        requireAdmin(principal);
        return { status: 200, body: view(visible(principal, await inbox.get(params.faxId)), principal) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: DOCUMENT_ROUTE,
      summary: 'Download the fax (PDF; the TIFF when no PDF could be made); 404 when no page arrived',
      tag: 'faxes',
      params: FaxParams,
      success: { status: 200, description: 'application/pdf or image/tiff' },
      errors: [403, 404],
      async handle({ principal, params }) {
        requireAdmin(principal);
        visible(principal, await inbox.get(params.faxId));
        const doc = await inbox.document(params.faxId);
        if (!doc) throw notFound();
        return { status: 200, body: doc.data };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/faxes/:faxId',
      summary: 'Delete a received fax (its TIFF, PDF and record)',
      tag: 'faxes',
      params: FaxParams,
      success: { status: 204, description: 'Deleted' },
      errors: [403, 404],
      async handle({ principal, params }) {
        requireAdmin(principal);
        visible(principal, await inbox.get(params.faxId));
        if (!(await inbox.delete(params.faxId))) throw notFound();
        log.info({ fax: params.faxId }, 'fax deleted');
        return { status: 204 };
      },
    }),
  ];
}
