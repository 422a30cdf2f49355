import { z } from 'zod';
import type { ApiContext } from './ApiTypes.js';
import { ownOr404 } from './auth.js';
import { AccountParams } from './accounts.js';
import { forbidden } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';

/**
 * An account's registration status for the web app: the phones registered now (the location
 * service's unexpired bindings), where they register from and what they call themselves.
 */
export const RegistrationSchema = z.object({
  contact: z.string().describe('The Contact URI as the phone registered it'),
  source: z.string().describe("Where the REGISTER came from: 'udp 192.0.2.10:5060'"),
  userAgent: z.string().optional(),
  expiresAt: z.number().int().describe('epoch milliseconds: the binding lapses then unless the phone registers again'),
  registeredAt: z.number().int().describe("epoch milliseconds: when the phone's latest REGISTER (first or refresh) was accepted, i.e. last seen"),
});

export function registrationRoutes(ctx: ApiContext): RouteDef[] {
  const { store } = ctx;
  return [
    defineRoute({
      method: 'GET',
      path: '/accounts/:accountId/registrations',
      summary: "An account's registered phones (contacts, source, user agent, expiry, last seen)",
      tag: 'accounts',
      params: AccountParams,
      success: { status: 200, description: 'Unexpired registrations, oldest first', schema: z.array(RegistrationSchema) },
      errors: [403, 404],
      async handle({ principal, params }) {
        const account = ownOr404(principal, await store.accounts.get(params.accountId));
        if (principal.role === 'gebruiker' && principal.accountId !== account.id) throw forbidden('a gebruiker token acts only on its own account');
        const bindings = await store.locations.list(account.id);
        return {
          status: 200,
          body: bindings.map((b) => ({
            contact: b.contact,
            source: `${b.source.protocol} ${b.source.host}:${b.source.port}`,
            ...(b.userAgent === undefined ? {} : { userAgent: b.userAgent }),
            expiresAt: b.expiresAt,
            registeredAt: b.registeredAt,
          })),
        };
      },
    }),
  ];
}
