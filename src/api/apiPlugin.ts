import { join } from 'node:path';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { CustomPrompts } from '../prompts/CustomPrompts.js';
import { accountRoutes } from './accounts.js';
import type { ApiContext, ApiDeps } from './ApiTypes.js';
import { Authenticator } from './auth.js';
import { customerRoutes } from './customers.js';
import { deviceRoutes } from './devices.js';
import { defaultProvisioningSite } from '../provisioning/site.js';
import { ApiError } from './errors.js';
import { numberRoutes } from './numbers.js';
import { buildOpenApi } from './openapi.js';
import { planRoutes } from './plans.js';
import { describePromptAudio, promptRoutes, servePromptAudio } from './prompts.js';
import { serveRoutes } from './route.js';
import { tokenRoutes } from './tokens.js';
import { describeSignIn, serveSignIn, sessionRoutes } from './session.js';
import { webLoginRoutes } from './webLogins.js';
import { simulateRoutes } from './simulate.js';
import { registrationRoutes } from './registrations.js';
import { reportRoutes, serveReportCsv } from './reports.js';
import { cdrRoutes } from './cdrs.js';
import { callRoutes } from './calls.js';
import { describeVoicemailAudio, serveVoicemailAudio, voicemailRoutes } from './voicemail.js';
import { VoicemailService } from '../voicemail/VoicemailService.js';
import { InventoryService } from '../inventory/InventoryService.js';
import { inventoryRoutes } from './inventory.js';
import { FaxInbox } from '../fax/FaxInbox.js';
import { describeFaxDocument, faxRoutes, serveFaxDocument } from './faxes.js';
import { BillingService } from '../billing/InvoiceRun.js';
import { billingRoutes, describeBillingDocuments, serveBillingDocuments } from './invoices.js';

export type { ApiDeps } from './ApiTypes.js';

/**
 * The admin REST API (register it with `{ prefix: '/api/v1' }`): customers, SIP accounts, API
 * tokens, service numbers, call plans and uploaded prompts, bearer-authenticated, with its OpenAPI 3.1 document at
 * `openapi.json` (no auth).
 */
export function apiPlugin(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    const ctx: ApiContext = {
      store: deps.store,
      secrets: deps.secrets,
      sip: deps.sip,
      provisioning: deps.provisioning ?? defaultProvisioningSite(deps.sip),
      log: deps.logger.child({ component: 'api' }),
    };
    const prompts = new CustomPrompts(deps.promptsDir ?? join('data', 'prompts'));
    // One inventory for the numbers and inventory routes: numbers enter and leave service through it.
    const inventory = deps.inventory ?? new InventoryService({ store: deps.store, logger: deps.logger });
    const routes = [
      ...customerRoutes(ctx, prompts),
      ...accountRoutes(ctx),
      ...tokenRoutes(ctx),
      ...numberRoutes(ctx, inventory),
      ...planRoutes(ctx),
      ...simulateRoutes(ctx),
      ...sessionRoutes(ctx),
      ...webLoginRoutes(ctx),
      ...registrationRoutes(ctx),
      ...promptRoutes(ctx, prompts),
      ...reportRoutes(ctx, deps.cdr),
      ...cdrRoutes(deps.cdr),
      ...callRoutes(deps.liveCalls),
      ...deviceRoutes(ctx),
      ...voicemailRoutes(ctx, deps.voicemail ?? new VoicemailService({ store: deps.store, dataDir: 'data', logger: deps.logger })),
      ...inventoryRoutes(ctx, inventory),
      ...faxRoutes(ctx, new FaxInbox(deps.faxDir ?? join('data', 'fax'), deps.logger)),
      ...billingRoutes(ctx, deps.billing ?? new BillingService({ store: deps.store, ...(deps.cdr ? { monthTotals: (m: string) => deps.cdr!.month(m) } : {}), logger: deps.logger })),
    ];
    const auth = new Authenticator(deps.store, deps.platformToken || undefined);

    app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
      if (err instanceof ApiError) return reply.code(err.status).headers(err.headers).send(err.body);
      const status = err.statusCode ?? 500;
      if (status < 500) {
        // fastify's own client errors: malformed JSON, unsupported media type, body too large.
        // A JSON syntax error quotes the body, which may hold a password: never echo it.
        const message = err instanceof SyntaxError ? 'malformed JSON body' : err.message;
        return reply.code(status).send({ error: 'bad_request', message, ...(err.code ? { code: err.code } : {}) });
      }
      req.log.error({ err: { type: err.name, message: err.message, stack: err.stack } }, 'api request failed');
      return reply.code(500).send({ error: 'internal' });
    });
    app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not_found' }));

    servePromptAudio(app);
    serveReportCsv(app);
    serveVoicemailAudio(app);
    serveFaxDocument(app);
    serveSignIn(app, { store: deps.store, logger: deps.logger, options: deps.signIn ?? { sessionMinutes: 480 } });
    serveBillingDocuments(app);
    const document = buildOpenApi(routes, { prefix: app.prefix, version: '1' });
    describePromptAudio(document, app.prefix);
    describeVoicemailAudio(document, app.prefix);
    describeFaxDocument(document, app.prefix);
    describeSignIn(document, app.prefix);
    describeBillingDocuments(document, app.prefix);
    app.get('/openapi.json', async () => document);
    serveRoutes(app, routes, (req) => auth.authenticate(req));
  };
}
