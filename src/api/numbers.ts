import { z } from 'zod';
import { nationalNotation, parseServiceNumber } from '../numbers/normalize.js';
import type { ServiceNumber, Tariff } from '../numbers/NumberTypes.js';
import { describeTariffDutch, tariffIssues } from '../numbers/tariff.js';
import type { InventoryService } from '../inventory/InventoryService.js';
import { ConflictError, type Store } from '../store/StoreTypes.js';
import type { ApiContext } from './ApiTypes.js';
import { ownOr404, type Principal } from './auth.js';
import { CustomerParams, IdSchema, visibleCustomer } from './customers.js';
import { forbidden, notFound, validationError, type FieldIssue } from './errors.js';
import { actorOf, refusals } from './inventoryErrors.js';
import { defineRoute, type RouteDef } from './route.js';

export const NumberParams = z.strictObject({ numberId: IdSchema });

const NUMBER_TYPES = ['0800', '0900', '0906', '0909', '18xy', '085', '088', 'geographic'] as const;
const NumberStatus = z.enum(['active', 'suspended']).describe('suspended: callers hear a "not in service" announcement');

// Only the shape here: the tariff rules (whole cents, which ranges, the 15 ct rule) are checked by
// src/numbers/tariff.ts, so the API and every other caller apply one set of rules.
export const TariffBody = z
  .strictObject({
    perMinuteCents: z.number().optional(),
    perCallCents: z.number().optional(),
    startFeeCents: z.number().optional(),
    maxPerCallCents: z.number().optional(),
  })
  .describe('Caller tariff in euro cents incl. 21% VAT; only on 0900, 0906, 0909 and 18xy numbers, where it is required');

export const TariffSchema = z.object({
  perMinuteCents: z.number().int().optional(),
  perCallCents: z.number().int().optional(),
  startFeeCents: z.number().int().optional(),
  maxPerCallCents: z.number().int().optional(),
});

export const NumberSchema = z.object({
  id: z.string(),
  e164: z.string().describe("E.164, e.g. '+319091234567'"),
  national: z.string().describe("As dialled in the Netherlands, e.g. '09091234567' or '1844'"),
  type: z.enum(NUMBER_TYPES),
  customerId: z.string(),
  status: NumberStatus,
  planId: z.string().optional().describe('The call plan that runs for callers of this number'),
  tariff: TariffSchema.optional(),
  tariffAnnouncement: z.string().optional().describe('What callers hear first (Dutch), free of charge'),
  createdAt: z.number().int().describe('epoch milliseconds'),
});

export const CreateNumberBody = z.strictObject({
  number: z
    .string()
    .max(200)
    .describe("Any Dutch notation: '0909 123 4567', '+319091234567', '00319091234567', 'sip:09091234567@host', '1844'"),
  status: NumberStatus.default('active'),
  planId: IdSchema.optional().describe("One of the customer's plans"),
  tariff: TariffBody.optional(),
});

export const UpdateNumberBody = z.strictObject({
  status: NumberStatus.optional(),
  planId: IdSchema.nullable().optional().describe("One of the customer's plans; null unlinks the plan"),
  tariff: TariffBody.nullable().optional().describe('platform token only; null removes the tariff'),
});

/** The tariff without fields sent as undefined, so a stored tariff holds only what was given. */
export function cleanTariff(t: z.output<typeof TariffBody>): Tariff {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as Tariff;
}

/** The tariff rules as API field issues ('tariff', 'tariff.perMinuteCents'). */
function tariffFieldIssues(number: Pick<ServiceNumber, 'type'>, tariff: Tariff | undefined): FieldIssue[] {
  return tariffIssues(number.type, tariff).map((i) => ({ path: i.path === '' ? 'tariff' : `tariff.${i.path}`, message: i.message }));
}

/** The number if the principal may see it; another customer's is a 404, never a 403. */
async function visibleNumber(store: Store, p: Principal, numberId: string): Promise<ServiceNumber> {
  return ownOr404(p, await store.numbers.get(numberId));
}

/** Numbers are a customer administrator's business; a gebruiker of the same customer gets a 403. */
function requireAdmin(p: Principal): void {
  if (p.role === 'gebruiker') throw forbidden('a gebruiker token has no access to numbers');
}

/** Numbers are ordered through the operator: creating, deleting and tariffs are the platform's. */
function requirePlatform(p: Principal, action: string, field?: string): void {
  if (p.role !== 'platform') throw forbidden(`only the platform token may ${action} (numbers are ordered through the operator)`, field);
}

/** A planId must name one of the number's customer's plans. */
async function planIssue(store: Store, customerId: string, planId: string | null | undefined): Promise<FieldIssue[]> {
  if (planId === undefined || planId === null) return [];
  const plan = await store.plans.get(planId);
  return plan && plan.customerId === customerId ? [] : [{ path: 'planId', message: `"${planId}" is not one of this customer's plans` }];
}

/**
 * The customer's service numbers. Every change that puts a number in service, suspends or resumes
 * it, or ends it goes through the inventory (src/inventory/InventoryService.ts), so each live
 * number has an inventory record with its history, an order and a contract.
 */
export function numberRoutes(ctx: ApiContext, inventory: InventoryService): RouteDef[] {
  const { store, log } = ctx;
  const view = (n: ServiceNumber): z.output<typeof NumberSchema> => ({
    id: n.id,
    e164: n.e164,
    national: nationalNotation(n.e164),
    type: n.type,
    customerId: n.customerId,
    status: n.status,
    ...(n.planId === undefined ? {} : { planId: n.planId }),
    ...(n.tariff === undefined ? {} : { tariff: n.tariff, tariffAnnouncement: describeTariffDutch(n.tariff) }),
    createdAt: n.createdAt,
  });

  return [
    defineRoute({
      method: 'POST',
      path: '/customers/:customerId/numbers',
      summary:
        "Assign a number to a customer directly (platform token only): taken from stock when available there (409 with the reason when it is held, live or in quarantine), added to the stock first when never imported; a direct order is created, confirmed and activated at once and the contract starts; retried for the same customer after a failure half-way, it resumes where it stopped",
      tag: 'numbers',
      params: CustomerParams,
      body: CreateNumberBody,
      success: { status: 201, description: 'The new number', schema: NumberSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        await visibleCustomer(store, principal, params.customerId);
        requirePlatform(principal, 'add numbers');
        const parsed = parseServiceNumber(body.number);
        if ('error' in parsed) throw validationError([{ path: 'number', message: parsed.error }]);
        // A stock number keeps its registered tariff unless the platform gives another.
        const tariff = body.tariff ? cleanTariff(body.tariff) : (await inventory.getNumber(parsed.e164))?.tariff;
        const issues = [...tariffFieldIssues(parsed, tariff), ...(await planIssue(store, params.customerId, body.planId))];
        if (issues.length > 0) throw validationError(issues);
        try {
          const { number, order } = await refusals(() =>
            inventory.assignDirect(
              {
                customerId: params.customerId,
                number: parsed.e164,
                status: body.status,
                ...(body.planId === undefined ? {} : { planId: body.planId }),
                ...(tariff === undefined ? {} : { tariff }),
              },
              actorOf(principal),
            ),
          );
          log.info({ customerId: number.customerId, numberId: number.id, e164: number.e164, orderId: order.id }, 'number assigned');
          return { status: 201, body: view(number) };
        } catch (err) {
          if (err instanceof ConflictError && err.field === 'customerId') throw notFound();
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers/:customerId/numbers',
      summary: "List a customer's service numbers",
      tag: 'numbers',
      params: CustomerParams,
      success: { status: 200, description: "The customer's numbers", schema: z.array(NumberSchema) },
      errors: [403, 404],
      async handle({ principal, params }) {
        await visibleCustomer(store, principal, params.customerId);
        requireAdmin(principal);
        return { status: 200, body: (await store.numbers.list(params.customerId)).map(view) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/numbers/:numberId',
      summary: 'Read a service number',
      tag: 'numbers',
      params: NumberParams,
      success: { status: 200, description: 'The number', schema: NumberSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        const n = await visibleNumber(store, principal, params.numberId);
        requireAdmin(principal);
        return { status: 200, body: view(n) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/numbers/:numberId',
      summary:
        'Suspend or resume a number (an inventory state change: 409 with the reason when refused), or link its call plan; the tariff: platform token only, an immediate correction recorded as an applied tariff change',
      tag: 'numbers',
      params: NumberParams,
      body: UpdateNumberBody,
      success: { status: 200, description: 'The changed number', schema: NumberSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        const n = await visibleNumber(store, principal, params.numberId);
        requireAdmin(principal);
        if (body.tariff !== undefined && principal.role !== 'platform') {
          throw forbidden(
            `een beheerder wijzigt het beltarief via een aanvraag: POST /api/v1/numbers/${n.id}/tariff-changes (ingang na de wettelijke werkdagen) / a beheerder requests a tariff change with POST /api/v1/numbers/${n.id}/tariff-changes; only the platform token corrects a tariff at once`,
            'tariff',
          );
        }
        const tariff = body.tariff === undefined || body.tariff === null ? undefined : cleanTariff(body.tariff);
        const issues = [
          ...(body.tariff === undefined ? [] : tariffFieldIssues(n, tariff)),
          ...(await planIssue(store, n.customerId, body.planId)),
        ];
        if (issues.length > 0) throw validationError(issues);
        const by = actorOf(principal);
        if (body.status !== undefined && body.status !== n.status) {
          await inventory.ensureRecorded(n);
          await refusals(() => inventory.setState(n.e164, body.status!, by));
        }
        // Linking a plan is not a state change: a plain update. null removes (the store treats an explicit undefined as "remove").
        if (body.planId !== undefined && !(await store.numbers.update(n.id, { planId: body.planId ?? undefined }))) throw notFound();
        if (body.tariff !== undefined) await refusals(() => inventory.correctTariff(n.id, tariff, by));
        const updated = await store.numbers.get(n.id);
        if (!updated) throw notFound();
        log.info({ numberId: n.id, fields: Object.keys(body) }, 'number changed');
        return { status: 200, body: view(updated) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/numbers/:numberId',
      summary:
        'End a number\'s service at once (platform token only): the contract ends, the number leaves the customer and is quarantined for INVENTORY_QUARANTINE_DAYS before it can be issued again',
      tag: 'numbers',
      params: NumberParams,
      success: { status: 204, description: 'Ended' },
      errors: [403, 404, 409],
      async handle({ principal, params }) {
        const n = await visibleNumber(store, principal, params.numberId);
        requirePlatform(principal, 'remove numbers');
        await inventory.ensureRecorded(n);
        await refusals(() => inventory.endService(n.e164, actorOf(principal)));
        log.info({ numberId: n.id, e164: n.e164 }, 'number service ended');
        return { status: 204 };
      },
    }),
  ];
}
