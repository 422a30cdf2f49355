import type { CustomPrompts } from '../prompts/CustomPrompts.js';
import { z } from 'zod';
import type { Customer, Store } from '../store/StoreTypes.js';
import type { ApiContext } from './ApiTypes.js';
import { seesCustomer, type Principal } from './auth.js';
import { forbidden, notFound } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';

export const IdSchema = z.string().min(1).max(100);
export const CustomerParams = z.strictObject({ customerId: IdSchema });

const CustomerName = z.string().trim().min(1).max(200);
const CustomerStatus = z.enum(['active', 'suspended']);
// EUR 100 a month unless the platform sets otherwise (issue 3, item 1).
const CreditLimitCents = z.number().int().min(0).max(100_000_000);

export const CustomerSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: CustomerStatus,
  creditLimitCents: z.number().int(),
  createdAt: z.number().int().describe('epoch milliseconds'),
});

export const CreateCustomerBody = z.strictObject({
  name: CustomerName,
  status: CustomerStatus.default('active'),
  creditLimitCents: CreditLimitCents.default(10_000),
});

export const UpdateCustomerBody = z.strictObject({
  name: CustomerName.optional(),
  status: CustomerStatus.optional().describe('platform token only'),
  creditLimitCents: CreditLimitCents.optional().describe('platform token only'),
});

function view(c: Customer): z.output<typeof CustomerSchema> {
  return { id: c.id, name: c.name, status: c.status, creditLimitCents: c.creditLimitCents, createdAt: c.createdAt };
}

function requirePlatform(p: Principal, action: string): void {
  if (p.role !== 'platform') throw forbidden(`only the platform token may ${action}`);
}

/** The customer if the principal may see it; another customer's is a 404, never a 403. */
export async function visibleCustomer(store: Store, p: Principal, customerId: string): Promise<Customer> {
  const customer = seesCustomer(p, customerId) ? await store.customers.get(customerId) : undefined;
  if (!customer) throw notFound();
  return customer;
}

export function customerRoutes(ctx: ApiContext, prompts?: CustomPrompts): RouteDef[] {
  const { store, log } = ctx;
  return [
    defineRoute({
      method: 'POST',
      path: '/customers',
      summary: 'Create a customer (platform token only)',
      tag: 'customers',
      body: CreateCustomerBody,
      success: { status: 201, description: 'The new customer', schema: CustomerSchema },
      errors: [403],
      async handle({ principal, body }) {
        requirePlatform(principal, 'create customers');
        const customer = await store.customers.create(body);
        log.info({ customerId: customer.id }, 'customer created');
        return { status: 201, body: view(customer) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers',
      summary: 'List customers: all for the platform token, its own for a beheerder',
      tag: 'customers',
      success: { status: 200, description: 'Customers visible to the caller', schema: z.array(CustomerSchema) },
      errors: [403],
      async handle({ principal }) {
        if (principal.role === 'gebruiker') throw forbidden('a gebruiker token sees only its own account');
        const all = principal.role === 'platform' ? await store.customers.list() : [await store.customers.get(principal.customerId)];
        return { status: 200, body: all.filter((c): c is Customer => c !== undefined).map(view) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers/:customerId',
      summary: 'Read a customer',
      tag: 'customers',
      params: CustomerParams,
      success: { status: 200, description: 'The customer', schema: CustomerSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        const customer = await visibleCustomer(store, principal, params.customerId);
        if (principal.role === 'gebruiker') throw forbidden('a gebruiker token sees only its own account');
        return { status: 200, body: view(customer) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/customers/:customerId',
      summary: 'Change a customer (status and credit limit: platform token only)',
      tag: 'customers',
      params: CustomerParams,
      body: UpdateCustomerBody,
      success: { status: 200, description: 'The changed customer', schema: CustomerSchema },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        await visibleCustomer(store, principal, params.customerId);
        if (principal.role === 'gebruiker') throw forbidden('a gebruiker token sees only its own account');
        if (principal.role !== 'platform') {
          for (const field of ['status', 'creditLimitCents'] as const) {
            if (body[field] !== undefined) throw forbidden(`only the platform token may change ${field}`, field);
          }
        }
        const patch = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
        const customer = await store.customers.update(params.customerId, patch);
        if (!customer) throw notFound();
        log.info({ customerId: customer.id, fields: Object.keys(patch) }, 'customer changed');
        return { status: 200, body: view(customer) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/customers/:customerId',
      summary: 'Delete a customer with its accounts and tokens (platform token only)',
      tag: 'customers',
      params: CustomerParams,
      success: { status: 204, description: 'Deleted' },
      errors: [403, 404],
      async handle({ principal, params }) {
        await visibleCustomer(store, principal, params.customerId);
        requirePlatform(principal, 'delete customers');
        // Tokens first: a token must never outlive the customer it speaks for.
        for (const token of await store.tokens.list(params.customerId)) await store.tokens.delete(token.id);
        if (!(await store.customers.delete(params.customerId))) throw notFound();
        // Its uploaded prompts go with it.
        await prompts?.deleteCustomer(params.customerId);
        log.info({ customerId: params.customerId }, 'customer deleted');
        return { status: 204 };
      },
    }),
  ];
}
