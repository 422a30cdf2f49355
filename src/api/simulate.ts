import { z } from 'zod';
import { tariffAnnouncementPrompts } from '../numbers/tariffAnnouncement.js';
import { simulatePlan } from '../plans/simulate.js';
import { instantOf } from '../plans/wallClock.js';
import type { ApiContext } from './ApiTypes.js';
import { ownOr404 } from './auth.js';
import { IdSchema } from './customers.js';
import { forbidden, validationError } from './errors.js';
import { PlanParams, validPlan } from './plans.js';
import { defineRoute, type RouteDef } from './route.js';

const TIME_ZONE = 'Europe/Amsterdam';
const Targets = z.array(z.string().trim().min(1).max(100)).max(50).default([]);

export const SimulateBody = z.strictObject({
  plan: z.unknown().optional().describe('A draft plan document to try; absent: the stored `version`, or the live one'),
  version: z.number().int().min(1).optional(),
  at: z
    .string()
    .max(40)
    .describe("When the call comes in: Amsterdam local time '2026-12-25T10:00' or an ISO instant with an offset"),
  dtmf: z
    .array(z.string().regex(/^[0-9*#]?$/, 'a key is one of 0-9 * # (or empty: no key)'))
    .max(50)
    .default([])
    .describe('The key pressed at each menu attempt, in order; "" lets that attempt time out'),
  busy: Targets.describe('Accounts or numbers that answer busy'),
  noAnswer: Targets.describe('Accounts or numbers that do not answer'),
  failing: Targets.describe('Accounts or numbers that cannot be reached'),
  numberId: IdSchema.optional().describe("A number of the customer: its tariff announcement plays first"),
  faxTone: z.boolean().default(false).describe('The caller is a fax machine'),
});

const PathEntrySchema = z.object({
  node: z.string(),
  type: z.string(),
  enteredAt: z.number().describe('epoch milliseconds on the simulated clock'),
  outcome: z.string().optional(),
});

export const SimulationSchema = z.object({
  path: z.array(PathEntrySchema).describe('The nodes the call passes, in order'),
  heard: z.array(z.string()).describe('Every prompt the caller hears, in order'),
  steps: z.array(z.record(z.string(), z.unknown())).describe('hear / press / ring / voicemail / fax / hangup, in order'),
  end: z.string().optional(),
  truncated: z.boolean().describe('The plan kept looping and the simulation stopped it'),
});

/**
 * POST /plans/:planId/simulate: the CLI's plan simulator (src/plans/simulate.ts) for the web
 * app, so an admin can try a draft before publishing it. Runs the real plan machine on a
 * scripted channel: no SIP, no media, nothing stored.
 */
export function simulateRoutes(ctx: ApiContext): RouteDef[] {
  const { store } = ctx;
  return [
    defineRoute({
      method: 'POST',
      path: '/plans/:planId/simulate',
      summary: 'Try a plan (a draft document, a version, or the live one): the path a call takes and what the caller hears',
      tag: 'plans',
      params: PlanParams,
      body: SimulateBody,
      success: { status: 200, description: 'The simulated call', schema: SimulationSchema },
      errors: [403, 404],
      async handle({ principal, params, body }) {
        const record = ownOr404(principal, await store.plans.get(params.planId));
        if (principal.role === 'gebruiker') throw forbidden('a gebruiker token has no access to call plans');
        const at = instantOf(body.at, TIME_ZONE);
        if (Number.isNaN(at.getTime())) throw validationError([{ path: 'at', message: `"${body.at}" is not a date-time like 2026-12-25T10:00` }]);
        let doc = body.plan;
        if (doc === undefined) {
          const version = body.version ?? record.liveVersion;
          const stored = version === undefined ? undefined : await store.plans.getVersion(record.id, version);
          if (!stored) throw validationError([{ path: 'version', message: version === undefined ? 'the plan has no live version: send a plan or a version' : `the plan has no version ${version}` }]);
          doc = stored.plan;
        }
        const { plan } = validPlan(doc, record.customerId);
        let tariff;
        if (body.numberId !== undefined) {
          const number = await store.numbers.get(body.numberId);
          if (!number || number.customerId !== record.customerId) throw validationError([{ path: 'numberId', message: "not one of this customer's numbers" }]);
          tariff = number.tariff;
        }
        const sim = await simulatePlan(
          plan,
          { at, dtmf: body.dtmf, busy: body.busy, noAnswer: body.noAnswer, failing: body.failing, tariff, faxTone: body.faxTone },
          { tariffPrompts: tariffAnnouncementPrompts },
        );
        return {
          status: 200,
          body: {
            path: sim.path,
            heard: sim.heard,
            steps: sim.steps,
            ...(sim.end === undefined ? {} : { end: sim.end }),
            truncated: sim.truncated,
          },
        };
      },
    }),
  ];
}
