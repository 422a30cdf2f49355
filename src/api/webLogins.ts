import { z } from 'zod';
import { ConflictError, type WebLogin } from '../store/StoreTypes.js';
import type { ApiContext } from './ApiTypes.js';
import type { Principal } from './auth.js';
import { CustomerParams, IdSchema, visibleCustomer } from './customers.js';
import { ApiError, forbidden, notFound, validationError } from './errors.js';
import { generatePassword, hashPassword } from './passwords.js';
import { defineRoute, type RouteDef } from './route.js';
import { PASSWORD, USERNAME } from './webLoginRules.js';

/**
 * Username/password sign-ins for the web app. The platform makes them for beheerders and VoIP
 * users; a beheerder for the VoIP users (accounts) of its own customer, as with API tokens. The
 * password is chosen by the caller or generated and shown once; only its scrypt hash is kept.
 */

// The rules live in webLoginRules.ts, where the web app bundles them too.
export { PASSWORD, USERNAME };

const WebLoginParams = z.strictObject({ customerId: IdSchema, loginId: IdSchema });
const CreateWebLoginBody = z
  .strictObject({
    username: USERNAME,
    role: z.enum(['beheerder', 'gebruiker']),
    accountId: IdSchema.optional().describe('Required for a gebruiker: the SIP account whose screens it sees'),
    password: PASSWORD.optional().describe('Left out: a password is generated and shown once'),
  })
  .superRefine((b, ctx) => {
    if (b.role === 'gebruiker' && b.accountId === undefined) ctx.addIssue({ code: 'custom', path: ['accountId'], message: 'Required for role gebruiker' });
    if (b.role === 'beheerder' && b.accountId !== undefined) ctx.addIssue({ code: 'custom', path: ['accountId'], message: 'Only a gebruiker sign-in is bound to an account' });
  });
const PasswordBody = z.strictObject({ password: PASSWORD.optional().describe('Left out: a password is generated and shown once') });

export const WebLoginSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: z.enum(['beheerder', 'gebruiker']),
  customerId: z.string(),
  accountId: z.string().optional(),
  createdAt: z.number().int(),
});
const WithPasswordSchema = WebLoginSchema.extend({ password: z.string().optional().describe('The generated password: shown only in this response') });

/** A sign-in as listed: never its hash. */
function view(l: WebLogin): z.output<typeof WebLoginSchema> {
  return { id: l.id, username: l.username, role: l.role, customerId: l.customerId, ...(l.accountId ? { accountId: l.accountId } : {}), createdAt: l.createdAt };
}

/** Who may manage a sign-in of this role: the platform any, a beheerder its VoIP users'. */
function mayManage(p: Principal, role: WebLogin['role'], field?: string): void {
  if (p.role === 'gebruiker') throw forbidden('a gebruiker token may not manage sign-ins');
  if (p.role === 'beheerder' && role !== 'gebruiker') throw forbidden('a beheerder may manage only VoIP user sign-ins', field);
}

export function webLoginRoutes(ctx: ApiContext): RouteDef[] {
  const { store, log } = ctx;
  /** The sign-in tokens a sign-in holds now: revoked when its password changes or it is deleted. */
  const revokeTokens = async (l: WebLogin): Promise<void> => {
    for (const t of await store.tokens.list(l.customerId)) if (t.webLoginId === l.id) await store.tokens.delete(t.id);
  };
  const visibleLogin = async (p: Principal, customerId: string, loginId: string): Promise<WebLogin> => {
    await visibleCustomer(store, p, customerId);
    const l = await store.webLogins.get(loginId);
    if (!l || l.customerId !== customerId) throw notFound();
    return l;
  };
  return [
    defineRoute({
      method: 'POST',
      path: '/customers/:customerId/web-logins',
      summary: 'Create a web app sign-in (username and password) for a beheerder (platform only) or a VoIP user',
      tag: 'session',
      params: CustomerParams,
      body: CreateWebLoginBody,
      success: { status: 201, description: 'The sign-in; a generated password is shown once', schema: WithPasswordSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        await visibleCustomer(store, principal, params.customerId);
        mayManage(principal, body.role, 'role');
        if (body.accountId !== undefined) {
          const account = await store.accounts.get(body.accountId);
          if (!account || account.customerId !== params.customerId) throw validationError([{ path: 'accountId', message: 'No such account for this customer' }]);
        }
        const password = body.password ?? generatePassword();
        try {
          const login = await store.webLogins.create({
            username: body.username,
            role: body.role,
            customerId: params.customerId,
            ...(body.accountId ? { accountId: body.accountId } : {}),
            passwordHash: await hashPassword(password),
          });
          log.info({ loginId: login.id, username: login.username, role: login.role, customerId: login.customerId }, 'web sign-in created');
          return { status: 201, body: { ...view(login), ...(body.password === undefined ? { password } : {}) } };
        } catch (err) {
          if (err instanceof ConflictError && err.field === 'username') throw new ApiError(409, { error: 'conflict', field: 'username', message: err.message });
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers/:customerId/web-logins',
      summary: "The customer's web app sign-ins (never a password or its hash)",
      tag: 'session',
      params: CustomerParams,
      success: { status: 200, description: 'Sign-ins, oldest first', schema: z.array(WebLoginSchema) },
      errors: [403, 404],
      async handle({ principal, params }) {
        await visibleCustomer(store, principal, params.customerId);
        if (principal.role === 'gebruiker') throw forbidden('a gebruiker token may not list sign-ins');
        return { status: 200, body: (await store.webLogins.list(params.customerId)).map(view) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/customers/:customerId/web-logins/:loginId/password',
      summary: 'Set a new password for a sign-in (given, or generated and shown once); its sign-in tokens stop working',
      tag: 'session',
      params: WebLoginParams,
      body: PasswordBody,
      success: { status: 200, description: 'The sign-in; a generated password is shown once', schema: WithPasswordSchema },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        const l = await visibleLogin(principal, params.customerId, params.loginId);
        mayManage(principal, l.role);
        const password = body.password ?? generatePassword();
        const updated = await store.webLogins.setPasswordHash(l.id, await hashPassword(password));
        if (!updated) throw notFound();
        await revokeTokens(l);
        log.info({ loginId: l.id, username: l.username }, 'web sign-in password changed');
        return { status: 200, body: { ...view(updated), ...(body.password === undefined ? { password } : {}) } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/customers/:customerId/web-logins/:loginId',
      summary: 'Delete a sign-in; its sign-in tokens stop working',
      tag: 'session',
      params: WebLoginParams,
      success: { status: 204, description: 'Deleted' },
      errors: [403, 404],
      async handle({ principal, params }) {
        const l = await visibleLogin(principal, params.customerId, params.loginId);
        mayManage(principal, l.role);
        await store.webLogins.delete(l.id);
        await revokeTokens(l);
        log.info({ loginId: l.id, username: l.username }, 'web sign-in deleted');
        return { status: 204 };
      },
    }),
  ];
}
