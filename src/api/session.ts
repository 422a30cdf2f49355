import { z } from 'zod';
import type { ApiContext } from './ApiTypes.js';
import { defineRoute, type RouteDef } from './route.js';

/**
 * Who the bearer token belongs to. The web app signs in with an API token and asks this route
 * which role and customer it has, so it can show the beheerder's or the VoIP user's screens.
 */
export const SessionSchema = z.object({
  role: z.enum(['platform', 'beheerder', 'gebruiker']),
  customerId: z.string().optional(),
  customerName: z.string().optional(),
  accountId: z.string().optional(),
  username: z.string().optional().describe("The gebruiker's SIP account username"),
});

export function sessionRoutes(ctx: ApiContext): RouteDef[] {
  const { store } = ctx;
  return [
    defineRoute({
      method: 'GET',
      path: '/session',
      summary: "The caller's role, customer and (for a gebruiker) account: what the web app shows after sign-in",
      tag: 'session',
      success: { status: 200, description: 'The principal behind the token', schema: SessionSchema },
      errors: [],
      async handle({ principal }) {
        if (principal.role === 'platform') return { status: 200, body: { role: 'platform' } };
        const customer = await store.customers.get(principal.customerId);
        const account = principal.role === 'gebruiker' ? await store.accounts.get(principal.accountId) : undefined;
        return {
          status: 200,
          body: {
            role: principal.role,
            customerId: principal.customerId,
            ...(customer ? { customerName: customer.name } : {}),
            ...(principal.role === 'gebruiker' ? { accountId: principal.accountId } : {}),
            ...(account ? { username: account.username } : {}),
          },
        };
      },
    }),
  ];
}
