import { z } from 'zod';
import { LIVE_CALL_STATES, type LiveCallEntry } from '../calls/LiveCallList.js';
import type { Principal } from './auth.js';
import { defineRoute, type RouteDef } from './route.js';

/**
 * The calls in progress: with Redis those of every app instance, without it this instance's
 * (src/calls/LiveCallList.ts, RedisLiveCalls.ts). The platform sees every call, a beheerder its
 * customer's, a gebruiker the calls of its own account (made from its phone).
 */

export const LiveCallSchema = z.object({
  callId: z.string(),
  kind: z.enum(['number', 'phone']).describe("'number': to one of our service numbers; 'phone': from one of our phones"),
  customerId: z.string().optional(),
  numberId: z.string().optional(),
  accountId: z.string().optional(),
  called: z.string().describe('the service number (E.164), or what the phone dialled'),
  caller: z.string().describe("the caller's number, 'anonymous' when presentation is restricted"),
  state: z.enum(LIVE_CALL_STATES),
  node: z.string().optional().describe('the plan node the call is in'),
  nodeType: z.string().optional(),
  startedAt: z.string().describe('ISO 8601'),
});

function visibleTo(p: Principal, call: LiveCallEntry): boolean {
  if (p.role === 'platform') return true;
  if (p.role === 'beheerder') return call.customerId === p.customerId;
  return call.accountId === p.accountId;
}

export function callRoutes(live: { list(): LiveCallEntry[] | Promise<LiveCallEntry[]> } | undefined): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/calls/live',
      summary: "The calls in progress on this app instance: number, caller, plan node, state, start (the caller's own scope)",
      tag: 'calls',
      success: { status: 200, description: 'Calls in progress, oldest first', schema: z.array(LiveCallSchema) },
      errors: [],
      async handle({ principal }) {
        const calls = ((await live?.list()) ?? []).filter((c) => visibleTo(principal, c));
        return { status: 200, body: calls.map((c) => ({ ...c, startedAt: new Date(c.startedAt).toISOString() })) };
      },
    }),
  ];
}
