import { z } from 'zod';
import { parsePlan, planJsonSchema, type Plan } from '../plans/schema.js';
import { foreignPromptRefs } from '../prompts/planReferences.js';
import { ConflictError, type PlanRecord, type PlanVersion, type Store } from '../store/StoreTypes.js';
import type { ApiContext } from './ApiTypes.js';
import { ownOr404, type Principal } from './auth.js';
import { CustomerParams, IdSchema, visibleCustomer } from './customers.js';
import { ApiError, forbidden, notFound, validationError } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';

export const PlanParams = z.strictObject({ planId: IdSchema });
export const PlanVersionParams = z.strictObject({ planId: IdSchema, version: z.coerce.number().int().min(1) });

const PlanName = z.string().trim().min(1).max(100);
const Note = z.string().trim().min(1).max(500);
// The document's own rules (node types, targets, timeouts) are parsePlan's: see src/plans/schema.ts.
const PlanDocument = z.unknown().describe('A plan document; its JSON Schema is served at /plans/schema.json');
const VersionRef = z.strictObject({ version: z.number().int().min(1) });

const IssueSchema = z.object({ path: z.string(), message: z.string() });

export const PlanVersionSchema = z.object({
  planId: z.string(),
  version: z.number().int(),
  plan: z.unknown(),
  createdAt: z.number().int().describe('epoch milliseconds'),
  createdBy: z.string().describe("The token that saved it: 'platform', or '<role>:<token id>'"),
  note: z.string().optional(),
  live: z.boolean(),
});
const PlanVersionSummarySchema = PlanVersionSchema.omit({ plan: true });

export const PlanSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  name: z.string(),
  liveVersion: z.number().int().optional().describe('The version callers get; absent until one is published'),
  createdAt: z.number().int().describe('epoch milliseconds'),
  live: PlanVersionSchema.optional().describe('The live version with its document'),
});
const PlanWithWarningsSchema = PlanSchema.extend({ warnings: z.array(IssueSchema).describe('e.g. unreachable nodes') });
const VersionWithWarningsSchema = PlanVersionSchema.extend({ warnings: z.array(IssueSchema) });

export const CreatePlanBody = z.strictObject({
  name: PlanName,
  plan: PlanDocument,
  note: Note.optional(),
  publish: z.boolean().default(false).describe('Make version 1 live at once'),
});
export const AddVersionBody = z.strictObject({ plan: PlanDocument, note: Note.optional() });
export const RestoreBody = VersionRef.extend({ note: Note.optional() });

/** Who saved a version, for the history. */
export function authorOf(p: Principal): string {
  return p.tokenId === undefined ? p.role : `${p.role}:${p.tokenId}`;
}

/** The plan if the principal may see it; another customer's is a 404, never a 403. */
async function visiblePlan(store: Store, p: Principal, planId: string): Promise<PlanRecord> {
  return ownOr404(p, await store.plans.get(planId));
}

/** Call plans are edited by the customer's beheerder (or the platform); a gebruiker gets a 403. */
function requireAdmin(p: Principal): void {
  if (p.role === 'gebruiker') throw forbidden('a gebruiker token has no access to call plans');
}

/**
 * A valid plan document of this customer, or a 400 naming each problem under the body field
 * 'plan' (including prompts uploaded by another customer).
 */
export function validPlan(doc: unknown, customerId: string): { plan: Plan; warnings: { path: string; message: string }[] } {
  const result = parsePlan(doc);
  const prefixed = (issues: { path: string; message: string }[]): { path: string; message: string }[] =>
    issues.map((i) => ({ path: i.path === '' ? 'plan' : `plan.${i.path}`, message: i.message }));
  if (!result.ok) throw validationError(prefixed(result.errors));
  const foreign = foreignPromptRefs(result.plan, customerId);
  if (foreign.length) {
    throw validationError(prefixed(foreign.map((f) => ({ path: f.path, message: `prompt "${f.ref}" is not one of this customer's prompts` }))));
  }
  return { plan: result.plan, warnings: prefixed(result.warnings) };
}

function noSuchVersion(version: number): ApiError {
  return validationError([{ path: 'version', message: `the plan has no version ${version}` }]);
}

export function planRoutes(ctx: ApiContext): RouteDef[] {
  const { store, log } = ctx;
  const versionView = (v: PlanVersion, record: PlanRecord): z.output<typeof PlanVersionSchema> => ({
    ...v,
    live: record.liveVersion === v.version,
  });
  const summary = (v: PlanVersion, record: PlanRecord): z.output<typeof PlanVersionSummarySchema> => {
    const { plan: _document, ...rest } = versionView(v, record);
    return rest;
  };
  const planView = async (p: PlanRecord): Promise<z.output<typeof PlanSchema>> => {
    const live = p.liveVersion === undefined ? undefined : await store.plans.getVersion(p.id, p.liveVersion);
    return { ...p, ...(live === undefined ? {} : { live: versionView(live, p) }) };
  };
  /** setLive, with a vanished plan as 404 and an unknown version as 400 on 'version'. */
  const makeLive = async (planId: string, version: number): Promise<PlanRecord> => {
    try {
      const record = await store.plans.setLive(planId, version);
      if (!record) throw notFound();
      return record;
    } catch (err) {
      if (err instanceof ConflictError && err.field === 'version') throw noSuchVersion(version);
      throw err;
    }
  };
  /** addVersion, with a plan deleted meanwhile as 404. */
  const addVersion = async (planId: string, plan: unknown, author: string, note?: string): Promise<PlanVersion> => {
    try {
      return await store.plans.addVersion(planId, plan, author, note);
    } catch (err) {
      if (err instanceof ConflictError) throw notFound();
      throw err;
    }
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/plans/schema.json',
      summary: 'The JSON Schema of a plan document (for editors and for validating YAML files)',
      tag: 'plans',
      success: { status: 200, description: 'JSON Schema draft 2020-12', schema: z.record(z.string(), z.unknown()) },
      errors: [],
      async handle() {
        return { status: 200, body: planJsonSchema() };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/customers/:customerId/plans',
      summary: 'Create a call plan with its first version (a draft unless publish is true)',
      tag: 'plans',
      params: CustomerParams,
      body: CreatePlanBody,
      success: { status: 201, description: 'The new plan', schema: PlanWithWarningsSchema },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        await visibleCustomer(store, principal, params.customerId);
        requireAdmin(principal);
        const { plan, warnings } = validPlan(body.plan, params.customerId);
        let record: PlanRecord;
        try {
          record = await store.plans.create({ customerId: params.customerId, name: body.name });
        } catch (err) {
          if (err instanceof ConflictError) throw notFound();
          throw err;
        }
        await addVersion(record.id, plan, authorOf(principal), body.note);
        if (body.publish) record = await makeLive(record.id, 1);
        log.info({ customerId: record.customerId, planId: record.id, published: body.publish }, 'plan created');
        return { status: 201, body: { ...(await planView(record)), warnings } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers/:customerId/plans',
      summary: "List a customer's call plans",
      tag: 'plans',
      params: CustomerParams,
      success: { status: 200, description: "The customer's plans (without documents)", schema: z.array(PlanSchema.omit({ live: true })) },
      errors: [403, 404],
      async handle({ principal, params }) {
        await visibleCustomer(store, principal, params.customerId);
        requireAdmin(principal);
        return { status: 200, body: await store.plans.list(params.customerId) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/plans/:planId',
      summary: 'Read a call plan with its live version',
      tag: 'plans',
      params: PlanParams,
      success: { status: 200, description: 'The plan', schema: PlanSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        const record = await visiblePlan(store, principal, params.planId);
        requireAdmin(principal);
        return { status: 200, body: await planView(record) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/plans/:planId',
      summary: 'Delete a call plan with its history (refused while a number uses it)',
      tag: 'plans',
      params: PlanParams,
      success: { status: 204, description: 'Deleted' },
      errors: [403, 404, 409],
      async handle({ principal, params }) {
        const record = await visiblePlan(store, principal, params.planId);
        requireAdmin(principal);
        const users = (await store.numbers.list(record.customerId)).filter((n) => n.planId === record.id);
        if (users.length > 0) {
          throw new ApiError(409, {
            error: 'conflict',
            field: 'planId',
            message: `the plan is linked to ${users.map((n) => n.e164).join(', ')}; link those numbers to another plan first`,
          });
        }
        if (!(await store.plans.delete(record.id))) throw notFound();
        log.info({ planId: record.id }, 'plan deleted');
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/plans/:planId/versions',
      summary: "A plan's history: every version, who saved it and when (without documents)",
      tag: 'plans',
      params: PlanParams,
      success: { status: 200, description: 'Versions, oldest first', schema: z.array(PlanVersionSummarySchema) },
      errors: [403, 404],
      async handle({ principal, params }) {
        const record = await visiblePlan(store, principal, params.planId);
        requireAdmin(principal);
        return { status: 200, body: (await store.plans.listVersions(record.id)).map((v) => summary(v, record)) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/plans/:planId/versions',
      summary: 'Save a new version of a plan as a draft (publish makes it live)',
      tag: 'plans',
      params: PlanParams,
      body: AddVersionBody,
      success: { status: 201, description: 'The new version', schema: VersionWithWarningsSchema },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        const record = await visiblePlan(store, principal, params.planId);
        requireAdmin(principal);
        const { plan, warnings } = validPlan(body.plan, record.customerId);
        const v = await addVersion(record.id, plan, authorOf(principal), body.note);
        log.info({ planId: record.id, version: v.version }, 'plan version saved');
        return { status: 201, body: { ...versionView(v, record), warnings } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/plans/:planId/versions/:version',
      summary: 'Read one version of a plan with its document',
      tag: 'plans',
      params: PlanVersionParams,
      success: { status: 200, description: 'The version', schema: PlanVersionSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        const record = await visiblePlan(store, principal, params.planId);
        requireAdmin(principal);
        const v = await store.plans.getVersion(record.id, params.version);
        if (!v) throw notFound();
        return { status: 200, body: versionView(v, record) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/plans/:planId/publish',
      summary: 'Make a version live: callers of the numbers linked to this plan get it from their next call',
      tag: 'plans',
      params: PlanParams,
      body: VersionRef,
      success: { status: 200, description: 'The plan with its new live version', schema: PlanSchema },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        const record = await visiblePlan(store, principal, params.planId);
        requireAdmin(principal);
        const live = await makeLive(record.id, body.version);
        log.info({ planId: record.id, version: body.version, by: authorOf(principal) }, 'plan version published');
        return { status: 200, body: await planView(live) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/plans/:planId/restore',
      summary: 'Restore an earlier version: saves a copy of it as the newest version and makes that live',
      tag: 'plans',
      params: PlanParams,
      body: RestoreBody,
      success: { status: 201, description: 'The plan with the restored copy live', schema: PlanSchema },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        const record = await visiblePlan(store, principal, params.planId);
        requireAdmin(principal);
        const earlier = await store.plans.getVersion(record.id, body.version);
        if (!earlier) throw noSuchVersion(body.version);
        // Checked again: a version saved under older rules must not go live if it no longer holds.
        const { plan } = validPlan(earlier.plan, record.customerId);
        // A copy, not a pointer back: the history keeps who restored what and when.
        const copy = await addVersion(record.id, plan, authorOf(principal), body.note ?? `restored from version ${body.version}`);
        const live = await makeLive(record.id, copy.version);
        log.info({ planId: record.id, from: body.version, version: copy.version }, 'plan version restored');
        return { status: 201, body: await planView(live) };
      },
    }),
  ];
}
