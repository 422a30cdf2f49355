import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ApiToken } from '../store/StoreTypes.js';
import type { ApiContext } from './ApiTypes.js';
import { generateToken, hashToken } from './auth.js';
import { CustomerParams, IdSchema, visibleCustomer } from './customers.js';
import { forbidden, notFound, validationError } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';

export const TokenParams = z.strictObject({ customerId: IdSchema, tokenId: IdSchema });

export const CreateTokenBody = z
  .strictObject({
    role: z.enum(['beheerder', 'gebruiker']),
    accountId: IdSchema.optional().describe('Required for a gebruiker token: the account it may act on'),
    label: z.string().trim().min(1).max(100),
  })
  .superRefine((b, ctx) => {
    if (b.role === 'gebruiker' && b.accountId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['accountId'], message: 'Required for role gebruiker' });
    }
    if (b.role === 'beheerder' && b.accountId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['accountId'], message: 'Only a gebruiker token is bound to an account' });
    }
  });

export const TokenSchema = z.object({
  id: z.string(),
  role: z.enum(['platform', 'beheerder', 'gebruiker']),
  customerId: z.string().optional(),
  accountId: z.string().optional(),
  label: z.string(),
  createdAt: z.number().int().describe('epoch milliseconds'),
});

export const CreatedTokenSchema = TokenSchema.extend({
  token: z.string().describe('The bearer token: shown only in this response; only its SHA-256 hash is stored'),
});

/** A token as listed: never its hash. */
function view(t: ApiToken): z.output<typeof TokenSchema> {
  return {
    id: t.id,
    role: t.role,
    ...(t.customerId === undefined ? {} : { customerId: t.customerId }),
    ...(t.accountId === undefined ? {} : { accountId: t.accountId }),
    label: t.label,
    createdAt: t.createdAt,
  };
}

export function tokenRoutes(ctx: ApiContext): RouteDef[] {
  const { store, log } = ctx;
  return [
    defineRoute({
      method: 'POST',
      path: '/customers/:customerId/tokens',
      summary: 'Create an API token (platform: beheerder tokens; beheerder: gebruiker tokens for its accounts)',
      tag: 'tokens',
      params: CustomerParams,
      body: CreateTokenBody,
      success: { status: 201, description: 'The new token, shown once', schema: CreatedTokenSchema },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        await visibleCustomer(store, principal, params.customerId);
        if (principal.role === 'gebruiker') throw forbidden('a gebruiker token may not create tokens');
        if (principal.role === 'beheerder' && body.role !== 'gebruiker') {
          throw forbidden('a beheerder token may create only gebruiker tokens', 'role');
        }
        if (body.accountId !== undefined) {
          const account = await store.accounts.get(body.accountId);
          if (!account || account.customerId !== params.customerId) {
            throw validationError([{ path: 'accountId', message: 'No such account for this customer' }]);
          }
        }
        const token = generateToken();
        const stored: ApiToken = {
          id: randomUUID(),
          hash: hashToken(token),
          role: body.role,
          customerId: params.customerId,
          ...(body.accountId === undefined ? {} : { accountId: body.accountId }),
          label: body.label,
          createdAt: Date.now(),
        };
        await store.tokens.save(stored);
        log.info({ customerId: params.customerId, tokenId: stored.id, role: stored.role }, 'api token created');
        return { status: 201, body: { ...view(stored), token } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers/:customerId/tokens',
      summary: "List a customer's API tokens (without secrets)",
      tag: 'tokens',
      params: CustomerParams,
      success: { status: 200, description: 'The tokens', schema: z.array(TokenSchema) },
      errors: [403, 404],
      async handle({ principal, params }) {
        await visibleCustomer(store, principal, params.customerId);
        if (principal.role === 'gebruiker') throw forbidden('a gebruiker token may not list tokens');
        const tokens = await store.tokens.list(params.customerId);
        return { status: 200, body: tokens.map(view) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/customers/:customerId/tokens/:tokenId',
      summary: 'Revoke an API token',
      tag: 'tokens',
      params: TokenParams,
      success: { status: 204, description: 'Revoked' },
      errors: [403, 404],
      async handle({ principal, params }) {
        await visibleCustomer(store, principal, params.customerId);
        if (principal.role === 'gebruiker') throw forbidden('a gebruiker token may not revoke tokens');
        const tokens = await store.tokens.list(params.customerId);
        if (!tokens.some((t) => t.id === params.tokenId)) throw notFound();
        await store.tokens.delete(params.tokenId);
        log.info({ customerId: params.customerId, tokenId: params.tokenId }, 'api token revoked');
        return { status: 204 };
      },
    }),
  ];
}
