import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiToken, Store } from '../store/StoreTypes.js';
import type { Logger } from '../logger.js';
import type { ApiContext } from './ApiTypes.js';
import { generateToken, hashToken } from './auth.js';
import { ApiError, fieldIssues, validationError } from './errors.js';
import { LoginThrottle, type LoginThrottleOptions } from './loginThrottle.js';
import { buildOpenApi } from './openapi.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { defineRoute, type RouteDef } from './route.js';
import { USERNAME } from './webLogins.js';

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

/** Who acts: a Principal without its token (a sign-in knows this before its token exists). */
type Actor = { role: 'platform' } | { role: 'beheerder'; customerId: string } | { role: 'gebruiker'; customerId: string; accountId: string };

/** The role, customer and account, as GET /session and POST /session answer them. */
async function describePrincipal(store: Store, principal: Actor): Promise<z.output<typeof SessionSchema>> {
  if (principal.role === 'platform') return { role: 'platform' };
  const customer = await store.customers.get(principal.customerId);
  const account = principal.role === 'gebruiker' ? await store.accounts.get(principal.accountId) : undefined;
  return {
    role: principal.role,
    customerId: principal.customerId,
    ...(customer ? { customerName: customer.name } : {}),
    ...(principal.role === 'gebruiker' ? { accountId: principal.accountId } : {}),
    ...(account ? { username: account.username } : {}),
  };
}

export function sessionRoutes(ctx: ApiContext): RouteDef[] {
  const { store, log } = ctx;
  return [
    defineRoute({
      method: 'GET',
      path: '/session',
      summary: "The caller's role, customer and (for a gebruiker) account: what the web app shows after sign-in",
      tag: 'session',
      success: { status: 200, description: 'The principal behind the token', schema: SessionSchema },
      errors: [],
      async handle({ principal }) {
        return { status: 200, body: await describePrincipal(store, principal) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/session',
      summary: 'Sign out: a sign-in token (POST /session) stops working; an API token is left as it is (revoke those under /customers/{customerId}/tokens)',
      tag: 'session',
      success: { status: 204, description: 'Signed out' },
      errors: [],
      async handle({ principal }) {
        if (principal.role === 'platform' || !principal.tokenId) return { status: 204 };
        const token = (await store.tokens.list(principal.customerId)).find((t) => t.id === principal.tokenId);
        if (token?.expiresAt !== undefined) {
          await store.tokens.delete(token.id);
          log.info({ tokenId: token.id, webLoginId: token.webLoginId }, 'signed out');
        }
        return { status: 204 };
      },
    }),
  ];
}

/** Sign-in with username and password: the one API route without a bearer token. */
const SignInBody = z.strictObject({ username: USERNAME, password: z.string().min(1).max(200) });
const SignedInSchema = z.object({
  token: z.string().describe('A bearer token for the API until expiresAt'),
  expiresAt: z.number().int().describe('epoch milliseconds'),
  session: SessionSchema,
});

export interface SignInOptions {
  /** How long a sign-in token lasts (WEB_SESSION_MINUTES). */
  sessionMinutes: number;
  throttle?: Partial<LoginThrottleOptions>;
  now?: () => number;
}

// The route as data, so the OpenAPI document describes it from the same schemas; it is served by serveSignIn, not serveRoutes.
const SIGN_IN_ROUTE: RouteDef = defineRoute({
  method: 'POST',
  path: '/session',
  summary: 'Sign in with username and password (no bearer token): a short-lived token for the web app. Repeated failures block the username and the address for a while (429)',
  tag: 'session',
  body: SignInBody,
  success: { status: 201, description: 'Signed in', schema: SignedInSchema },
  errors: [],
  handle: () => Promise.reject(new Error('served by serveSignIn')),
});

const WRONG = new ApiError(401, { error: 'unauthorized', message: 'wrong username or password' });
const THROTTLED = new ApiError(429, { error: 'too_many_attempts', message: 'too many failed sign-ins; try again later' }, { 'retry-after': '900' });

/**
 * POST /session: checks the password against the sign-in's scrypt hash (an unknown username
 * costs the same work), counts failures per username and address, and issues an ApiToken with
 * expiresAt. The password is never logged: only the username and the outcome are.
 */
export function serveSignIn(app: FastifyInstance, deps: { store: Store; logger: Logger; options: SignInOptions }): void {
  const { store } = deps;
  const log = deps.logger.child({ component: 'sign-in' });
  const now = deps.options.now ?? Date.now;
  const throttle = new LoginThrottle(store.counters, deps.options.throttle);

  app.post('/session', async (req, reply) => {
    const parsed = SignInBody.safeParse(req.body);
    if (!parsed.success) throw validationError(fieldIssues(parsed.error));
    const { username, password } = parsed.data;
    if (await throttle.isBlocked(username, req.ip)) {
      log.warn({ username, address: req.ip }, 'sign-in refused: too many failures');
      throw THROTTLED;
    }
    const login = await store.webLogins.findByUsername(username);
    const ok = await verifyPassword(password, login?.passwordHash ?? (await decoyHash()));
    const principal = ok && login ? await principalOf(store, login) : undefined;
    if (!login || !principal) {
      const blocked = await throttle.recordFailure(username, req.ip);
      log.info({ username, address: req.ip, blocked }, 'sign-in failed');
      throw blocked ? THROTTLED : WRONG;
    }
    const token = generateToken();
    const expiresAt = now() + deps.options.sessionMinutes * 60_000;
    const stored: ApiToken = {
      id: randomUUID(),
      hash: hashToken(token),
      role: login.role,
      customerId: login.customerId,
      ...(login.accountId ? { accountId: login.accountId } : {}),
      label: `sign-in ${login.username}`,
      createdAt: now(),
      expiresAt,
      webLoginId: login.id,
    };
    await store.tokens.save(stored);
    log.info({ username, loginId: login.id, tokenId: stored.id }, 'signed in');
    return reply.code(201).send({ token, expiresAt, session: await describePrincipal(store, principal) });
  });
}

/** What the sign-in may act as; undefined when its customer or account is gone. */
async function principalOf(store: Store, login: { role: 'beheerder' | 'gebruiker'; customerId: string; accountId?: string }): Promise<Actor | undefined> {
  if (!(await store.customers.get(login.customerId))) return undefined;
  if (login.role === 'beheerder') return { role: 'beheerder', customerId: login.customerId };
  const account = login.accountId ? await store.accounts.get(login.accountId) : undefined;
  if (!account || account.customerId !== login.customerId) return undefined;
  return { role: 'gebruiker', customerId: login.customerId, accountId: account.id };
}

/** Adds POST /session to the document: no bearer token, 401 for a wrong password, 429 when throttled. */
export function describeSignIn(document: Record<string, unknown>, prefix: string): void {
  const paths = document.paths as Record<string, Record<string, unknown>>;
  const generated = (buildOpenApi([SIGN_IN_ROUTE], { prefix, version: '1' }).paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)[`${prefix}/session`];
  const post = generated.post;
  const error = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  post.responses[401] = { description: 'Wrong username or password', content: error };
  post.responses[429] = { description: 'Too many failed sign-ins for this username or address; try again later', content: error };
  paths[`${prefix}/session`] = { ...paths[`${prefix}/session`], post: { ...post, security: [] } };
}
