import { z } from 'zod';
import { nationalNotation } from '../numbers/normalize.js';
import { describeTariffDutch } from '../numbers/tariff.js';
import { INVENTORY_STATES, type Contract, type InventoryNumber, type Order, type TariffChange } from '../inventory/InventoryTypes.js';
import type { InventoryService } from '../inventory/InventoryService.js';
import { minimumTermEnd } from '../inventory/contracts.js';
import type { ApiContext } from './ApiTypes.js';
import { ownOr404, seesCustomer, type Principal } from './auth.js';
import { IdSchema } from './customers.js';
import { forbidden, notFound, validationError } from './errors.js';
import { actorOf, refusals } from './inventoryErrors.js';
import { cleanTariff, NumberParams, TariffBody, TariffSchema } from './numbers.js';
import { defineRoute, type RouteDef } from './route.js';

/**
 * Number inventory, orders, contracts and tariff changes (src/inventory/). The platform manages
 * the stock (import, state changes, activation, ACM assignments); a beheerder searches the
 * available stock, orders for its own customer, confirms or cancels its orders, sees its
 * contracts and gives notice, and requests tariff changes on its 090x/18xy numbers. A gebruiker
 * has no access. Another customer's order or contract is a 404.
 */

const NUMBER_TYPES = ['0800', '0900', '0906', '0909', '18xy', '085', '088', 'geographic'] as const;
const MONTH = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM, e.g. 2026-11');
const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const digits = (what: string) => z.string().regex(/^\d{1,12}$/, `${what}: digits only`);

const HistorySchema = z.array(
  z.object({ from: z.enum(INVENTORY_STATES).optional(), to: z.enum(INVENTORY_STATES), at: z.number().int(), by: z.string(), reason: z.string().optional() }),
);

export const InventoryNumberSchema = z.object({
  e164: z.string(),
  national: z.string(),
  type: z.enum(NUMBER_TYPES),
  state: z.enum(INVENTORY_STATES),
  origin: z.enum(['stock', 'chosen']),
  tariff: TariffSchema.optional(),
  tariffAnnouncement: z.string().optional().describe('What callers would hear first (Dutch)'),
  customerId: z.string().optional().describe('platform only'),
  orderId: z.string().optional().describe('platform only'),
  reservedUntil: z.number().int().optional(),
  quarantinedUntil: z.number().int().optional(),
  history: HistorySchema.optional().describe('platform only: every state change with who and when'),
});

export const OrderSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  e164: z.string(),
  national: z.string(),
  type: z.enum(NUMBER_TYPES),
  kind: z.enum(['direct', 'chosen']),
  status: z.enum(['reserved', 'confirmed', 'awaiting_acm', 'active', 'cancelled']),
  planId: z.string().optional(),
  tariff: TariffSchema.optional(),
  email: z.string(),
  createdAt: z.number().int(),
  createdBy: z.string(),
  reservedUntil: z.number().int().optional().describe('confirm before this instant (ms)'),
  confirmedAt: z.number().int().optional(),
  month: z.string().optional().describe('YYYY-MM (Amsterdam) of the confirmation: the invoicing month'),
  acm: z.object({ reference: z.string(), assignedOn: z.string(), recordedAt: z.number().int() }).optional(),
  activatedAt: z.number().int().optional(),
  numberId: z.string().optional().describe('the ServiceNumber (/numbers/{numberId}) made on activation'),
  cancelledAt: z.number().int().optional(),
  history: z.array(z.object({ status: z.string(), at: z.number().int(), by: z.string() })),
});

export const ContractSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  orderId: z.string(),
  e164: z.string(),
  numberId: z.string(),
  signedOn: z.string(),
  firstTrafficOn: z.string().optional(),
  startOn: z.string().describe('the earlier of signedOn and firstTrafficOn'),
  minimumMonths: z.number().int(),
  minimumEndOn: z.string().describe('last day of the minimum term'),
  month: z.string().describe('YYYY-MM of startOn'),
  status: z.enum(['running', 'notice_given', 'ended']),
  noticeGivenOn: z.string().optional(),
  endOn: z.string().optional().describe('last day of service (inclusive)'),
  endedAt: z.number().int().optional(),
  createdAt: z.number().int(),
});

export const TariffChangeSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  numberId: z.string(),
  e164: z.string(),
  tariff: TariffSchema,
  tariffAnnouncement: z.string(),
  requestedAt: z.number().int(),
  requestedBy: z.string(),
  effectiveOn: z.string().describe('YYYY-MM-DD (Amsterdam): callers hear the new tariff from 00:00 on this day'),
  status: z.enum(['pending', 'applied', 'withdrawn']),
  appliedAt: z.number().int().optional(),
  correction: z.boolean().optional().describe("true: the platform's immediate correction (PATCH /numbers/{numberId}), not a request"),
});

const SearchQuery = z.strictObject({
  type: z.enum(NUMBER_TYPES).optional(),
  state: z.enum(INVENTORY_STATES).optional().describe('platform only; default available'),
  endsWith: digits('endsWith').optional().describe("e.g. '000'"),
  contains: digits('contains').optional(),
  repeated: z.string().regex(/^([2-9]|10)$/, 'repeated: 2-10').transform(Number).optional().describe('at least this many equal digits in a row'),
  wildcard: z
    .string()
    .regex(/^[\d*?\s.\-/()]{1,30}$/, "wildcard: digits, '*', '?' and separators, e.g. 0800-*-000")
    .optional()
    .describe("'*' any digits, '?' one digit, e.g. 0800-*-000"),
  perMinuteCents: digits('perMinuteCents').transform(Number).optional().describe('caller tariff per minute (090x)'),
  perCallCents: digits('perCallCents').transform(Number).optional().describe('caller tariff per call (090x)'),
  page: z.string().regex(/^[1-9]\d{0,5}$/, 'page: 1 or more').transform(Number).default(1),
  pageSize: z.string().regex(/^([1-9]\d?|100)$/, 'pageSize: 1-100').transform(Number).default(25),
});

const NumberPathParams = z.strictObject({ number: z.string().min(1).max(40).describe("E.164 or national, e.g. '+318580010000' or '0858001000'") });
const OrderParams = z.strictObject({ orderId: IdSchema });
const ContractParams = z.strictObject({ contractId: IdSchema });
const ChangeParams = z.strictObject({ changeId: IdSchema });
const ListQuery = z.strictObject({ customerId: IdSchema.optional().describe('platform only'), month: MONTH.optional() });

const ImportBody = z.strictObject({ csv: z.string().min(1).max(2_000_000).describe('CSV: number,per_minute_cents,per_call_cents,start_fee_cents,max_per_call_cents; ranges as 0858 001 000-0858 001 999') });
const StateBody = z.strictObject({ state: z.enum(INVENTORY_STATES), reason: z.string().max(500).optional() });
const CreateOrderBody = z.strictObject({
  number: z.string().min(1).max(40).describe('the number picked from the search (direct) or chosen (a "mooi nummer")'),
  kind: z.enum(['direct', 'chosen']).default('direct'),
  customerId: IdSchema.optional().describe('an existing customer (a beheerder: its own, the default)'),
  customer: z.strictObject({ name: z.string().min(1).max(200) }).optional().describe('platform only: a new customer'),
  planId: IdSchema.optional().describe('the call plan the number gets on activation'),
  tariff: TariffBody.optional().describe('chosen 090x/18xy numbers only'),
  email: z.email().describe('where the order confirmation goes'),
});
const AcmBody = z.strictObject({ reference: z.string().min(1).max(100).describe("the ACM's decision reference"), assignedOn: DATE });
const CancelBody = z.strictObject({ reason: z.string().max(500).optional() }).optional();
const NoticeBody = z.strictObject({
  noticeOn: DATE.optional().describe('default today (Amsterdam)'),
  endOn: DATE.optional().describe('a later end than the earliest possible; refused when earlier'),
});
const TariffChangeBody = z.strictObject({ tariff: TariffBody });

function requirePlatform(p: Principal, action: string): void {
  if (p.role !== 'platform') throw forbidden(`only the platform token may ${action}`);
}

function requireAdmin(p: Principal): void {
  if (p.role === 'gebruiker') throw forbidden('a gebruiker token has no access to orders, contracts or the number inventory');
}

function numberView(n: InventoryNumber, p: Principal): z.output<typeof InventoryNumberSchema> {
  const full = p.role === 'platform';
  return {
    e164: n.id,
    national: nationalNotation(n.id),
    type: n.type,
    state: n.state,
    origin: n.origin,
    ...(n.tariff ? { tariff: n.tariff, tariffAnnouncement: describeTariffDutch(n.tariff) } : {}),
    ...(n.reservedUntil !== undefined ? { reservedUntil: n.reservedUntil } : {}),
    ...(full && n.quarantinedUntil !== undefined ? { quarantinedUntil: n.quarantinedUntil } : {}),
    ...(full && n.customerId !== undefined ? { customerId: n.customerId } : {}),
    ...(full && n.orderId !== undefined ? { orderId: n.orderId } : {}),
    ...(full ? { history: n.history } : {}),
  };
}

function orderView(o: Order): z.output<typeof OrderSchema> {
  const { version: _v, ...rest } = o;
  return { ...rest, national: nationalNotation(o.e164) };
}

function contractView(c: Contract): z.output<typeof ContractSchema> {
  const { version: _v, ...rest } = c;
  return { ...rest, minimumEndOn: minimumTermEnd(c.startOn, c.minimumMonths) };
}

function changeView(c: TariffChange): z.output<typeof TariffChangeSchema> {
  const { version: _v, effectiveAt: _e, ...rest } = c;
  return { ...rest, tariffAnnouncement: describeTariffDutch(c.tariff) };
}

export function inventoryRoutes(ctx: ApiContext, inventory: InventoryService): RouteDef[] {
  const { store, log } = ctx;
  /** Whose orders/contracts a list shows: the platform's choice, a beheerder's own customer. */
  const scope = (p: Principal, customerId: string | undefined): string | undefined => (p.role === 'platform' ? customerId : p.customerId);
  const visibleOrder = async (p: Principal, id: string): Promise<Order> => {
    requireAdmin(p);
    return ownOr404(p, await inventory.getOrder(id));
  };

  return [
    defineRoute({
      method: 'POST',
      path: '/inventory/import',
      summary: 'Import number blocks from CSV (platform token only); any wrong line rejects the file, each error names its line',
      tag: 'inventory',
      body: ImportBody,
      success: { status: 200, description: 'How many were added; numbers already in the inventory are left as they are', schema: z.object({ added: z.number().int(), alreadyInStock: z.array(z.string()) }) },
      errors: [403],
      async handle({ principal, body }) {
        requirePlatform(principal, 'import numbers');
        const result = await inventory.importCsv(body.csv, actorOf(principal));
        if (result.errors.length > 0) {
          throw validationError(result.errors.slice(0, 200).map((e) => ({ path: `csv.line${e.line}`, message: `line ${e.line}: ${e.message}` })));
        }
        return { status: 200, body: { added: result.added, alreadyInStock: result.alreadyInStock } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/inventory/numbers',
      summary: 'Search the number inventory: by type, caller tariff, pattern; available only unless the platform asks for a state; paginated',
      tag: 'inventory',
      query: SearchQuery,
      success: {
        status: 200,
        description: 'One page of matching numbers, in number order',
        schema: z.object({ items: z.array(InventoryNumberSchema), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() }),
      },
      errors: [403],
      async handle({ principal, query }) {
        requireAdmin(principal);
        if (query.state !== undefined && query.state !== 'available') requirePlatform(principal, 'search numbers that are not available');
        const { page, pageSize, ...q } = query;
        const found = await inventory.search(q, page, pageSize);
        return { status: 200, body: { ...found, items: found.items.map((n) => numberView(n, principal)) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/inventory/numbers/:number',
      summary: 'One inventory number (a beheerder sees available numbers and those held for its own customer; the platform also the history)',
      tag: 'inventory',
      params: NumberPathParams,
      success: { status: 200, description: 'The number', schema: InventoryNumberSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        requireAdmin(principal);
        const n = await refusals(() => inventory.getNumber(params.number));
        const visible = n !== undefined && (n.state === 'available' || (n.customerId !== undefined && seesCustomer(principal, n.customerId)));
        if (!visible) throw notFound();
        return { status: 200, body: numberView(n, principal) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/inventory/numbers/:number/state',
      summary: 'Change the state of an inventory number (platform token only); impossible transitions are refused (409) with the reason',
      tag: 'inventory',
      params: NumberPathParams,
      body: StateBody,
      success: { status: 200, description: 'The number after the change', schema: InventoryNumberSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        requirePlatform(principal, 'change number states');
        const n = await refusals(() => inventory.setState(params.number, body.state, actorOf(principal), body.reason));
        return { status: 200, body: numberView(n, principal) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/orders',
      summary: 'Order a number: a direct number is reserved until reservedUntil; a chosen number ("mooi nummer") will need an ACM assignment. Confirm next.',
      tag: 'orders',
      body: CreateOrderBody,
      success: { status: 201, description: 'The order, reserved', schema: OrderSchema },
      errors: [403, 404, 409],
      async handle({ principal, body }) {
        requireAdmin(principal);
        let customerId = body.customerId;
        if (principal.role !== 'platform') {
          if (body.customer !== undefined) throw forbidden('only the platform token may create a customer', 'customer');
          if (customerId !== undefined && customerId !== principal.customerId) throw notFound();
          customerId = principal.customerId;
        } else if (body.customer !== undefined) {
          if (customerId !== undefined) throw validationError([{ path: 'customer', message: 'give customerId or customer, not both' }]);
          customerId = (await store.customers.create({ name: body.customer.name, status: 'active', creditLimitCents: 10_000 })).id;
          log.info({ customerId }, 'customer created with an order');
        }
        if (customerId === undefined) throw validationError([{ path: 'customerId', message: 'customerId or customer is required' }]);
        const forCustomer = customerId;
        const order = await refusals(() =>
          inventory.createOrder(
            {
              customerId: forCustomer,
              number: body.number,
              kind: body.kind,
              email: body.email,
              ...(body.planId === undefined ? {} : { planId: body.planId }),
              ...(body.tariff === undefined ? {} : { tariff: cleanTariff(body.tariff) }),
            },
            actorOf(principal),
          ),
        );
        return { status: 201, body: orderView(order) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/orders',
      summary: 'List orders, newest first: by customer (platform) and invoicing month',
      tag: 'orders',
      query: ListQuery,
      success: { status: 200, description: 'Orders', schema: z.array(OrderSchema) },
      errors: [403],
      async handle({ principal, query }) {
        requireAdmin(principal);
        const customerId = scope(principal, query.customerId);
        const orders = await inventory.listOrders({ ...(customerId === undefined ? {} : { customerId }), ...(query.month === undefined ? {} : { month: query.month }) });
        return { status: 200, body: orders.map(orderView) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/orders/:orderId',
      summary: 'Read an order',
      tag: 'orders',
      params: OrderParams,
      success: { status: 200, description: 'The order', schema: OrderSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        return { status: 200, body: orderView(await visibleOrder(principal, params.orderId)) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/orders/:orderId/confirm',
      summary: 'Confirm an order: the confirmation mail goes out; a direct number waits for activation (or activates at once with INVENTORY_AUTO_ACTIVATE), a chosen one for the ACM assignment',
      tag: 'orders',
      params: OrderParams,
      success: { status: 200, description: 'The confirmed order', schema: OrderSchema },
      errors: [403, 404, 409],
      async handle({ principal, params }) {
        await visibleOrder(principal, params.orderId);
        return { status: 200, body: orderView(await refusals(() => inventory.confirmOrder(params.orderId, actorOf(principal)))) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/orders/:orderId/activate',
      summary: "Activate a confirmed direct order (platform token only): the customer's number goes live with the order's plan and tariff, and its contract starts",
      tag: 'orders',
      params: OrderParams,
      success: { status: 200, description: 'The active order (numberId names the live number)', schema: OrderSchema },
      errors: [403, 404, 409],
      async handle({ principal, params }) {
        requirePlatform(principal, 'activate orders');
        return { status: 200, body: orderView(await refusals(() => inventory.activateOrder(params.orderId, actorOf(principal)))) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/orders/:orderId/acm-assignment',
      summary: 'Record the ACM assignment of a chosen number (platform token only); the number is activated',
      tag: 'orders',
      params: OrderParams,
      body: AcmBody,
      success: { status: 200, description: 'The active order', schema: OrderSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        requirePlatform(principal, 'record ACM assignments');
        return { status: 200, body: orderView(await refusals(() => inventory.recordAcmAssignment(params.orderId, body, actorOf(principal)))) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/orders/:orderId/cancel',
      summary: 'Cancel an order before activation; the number returns to stock',
      tag: 'orders',
      params: OrderParams,
      body: CancelBody,
      success: { status: 200, description: 'The cancelled order', schema: OrderSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        await visibleOrder(principal, params.orderId);
        return { status: 200, body: orderView(await refusals(() => inventory.cancelOrder(params.orderId, actorOf(principal), body?.reason))) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/contracts',
      summary: 'List contracts: by customer (platform) and month of start',
      tag: 'contracts',
      query: ListQuery,
      success: { status: 200, description: 'Contracts', schema: z.array(ContractSchema) },
      errors: [403],
      async handle({ principal, query }) {
        requireAdmin(principal);
        const customerId = scope(principal, query.customerId);
        const list = await inventory.listContracts({ ...(customerId === undefined ? {} : { customerId }), ...(query.month === undefined ? {} : { month: query.month }) });
        return { status: 200, body: list.map((c) => contractView(c)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/contracts/:contractId',
      summary: 'Read a contract',
      tag: 'contracts',
      params: ContractParams,
      success: { status: 200, description: 'The contract', schema: ContractSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        requireAdmin(principal);
        return { status: 200, body: contractView(ownOr404(principal, await inventory.getContract(params.contractId))) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/contracts/:contractId/notice',
      summary: "Give notice: checked against the 12-month minimum and one month's notice; the end date is computed (409 with the earliest end when too early)",
      tag: 'contracts',
      params: ContractParams,
      body: NoticeBody,
      success: { status: 200, description: 'The contract with its end date', schema: ContractSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        requireAdmin(principal);
        ownOr404(principal, await inventory.getContract(params.contractId));
        const c = await refusals(() => inventory.giveNotice(params.contractId, body, actorOf(principal)));
        return { status: 200, body: contractView(c) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/numbers/:numberId/tariff-changes',
      summary: 'Request a new caller tariff for a 090x/18xy number: callers hear it from 00:00 on effectiveOn, after the configured NL working days',
      tag: 'numbers',
      params: NumberParams,
      body: TariffChangeBody,
      success: { status: 201, description: 'The pending change', schema: TariffChangeSchema },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        requireAdmin(principal);
        ownOr404(principal, await store.numbers.get(params.numberId));
        const change = await refusals(() => inventory.requestTariffChange(params.numberId, cleanTariff(body.tariff), actorOf(principal)));
        return { status: 201, body: changeView(change) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/numbers/:numberId/tariff-changes',
      summary: "A number's tariff changes, oldest first",
      tag: 'numbers',
      params: NumberParams,
      success: { status: 200, description: 'Tariff changes', schema: z.array(TariffChangeSchema) },
      errors: [403, 404],
      async handle({ principal, params }) {
        requireAdmin(principal);
        const n = ownOr404(principal, await store.numbers.get(params.numberId));
        return { status: 200, body: (await inventory.listTariffChanges({ customerId: n.customerId, numberId: n.id })).map(changeView) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/tariff-changes/:changeId/withdraw',
      summary: 'Withdraw a tariff change that has not taken effect',
      tag: 'numbers',
      params: ChangeParams,
      success: { status: 200, description: 'The withdrawn change', schema: TariffChangeSchema },
      errors: [403, 404, 409],
      async handle({ principal, params }) {
        requireAdmin(principal);
        const mine = (await inventory.listTariffChanges(principal.role === 'platform' ? {} : { customerId: principal.customerId })).find((c) => c.id === params.changeId);
        if (!mine) throw notFound();
        return { status: 200, body: changeView(await refusals(() => inventory.withdrawTariffChange(params.changeId, actorOf(principal)))) };
      },
    }),
  ];
}
