import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiToken, Store } from '../store/StoreTypes.js';
import { ApiError, notFound } from './errors.js';

/**
 * Who is calling. The platform (ADMIN_TOKEN) sees every customer; a beheerder everything of its
 * own customer; a gebruiker (VoIP user) only its own account.
 */
export type Principal =
  | { role: 'platform'; tokenId?: string }
  | { role: 'beheerder'; tokenId: string; customerId: string }
  | { role: 'gebruiker'; tokenId: string; customerId: string; accountId: string };

/** A new bearer token: 32 random bytes, base64url. Shown once; only its hash is stored. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compare through fixed-length digests so neither the content nor the length leaks by timing. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

// RFC 6750 §3: a request without credentials gets no error code; a bad token gets invalid_token.
const CHALLENGE = 'Bearer realm="contactsuite"';
function unauthorized(invalid: boolean): ApiError {
  return new ApiError(
    401,
    { error: 'unauthorized', message: invalid ? 'invalid bearer token' : 'bearer token required' },
    { 'www-authenticate': invalid ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE },
  );
}

export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly platformToken: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The principal behind the request's bearer token; throws a 401 ApiError otherwise. */
  async authenticate(req: FastifyRequest): Promise<Principal> {
    const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)[ ]*$/i.exec(req.headers.authorization ?? '');
    if (!match) throw unauthorized(req.headers.authorization !== undefined);
    const token = match[1];
    if (this.platformToken && sameSecret(token, this.platformToken)) return { role: 'platform' };

    const found = await this.store.tokens.findByHash(hashToken(token));
    // A sign-in token (POST /session) ends at expiresAt; the expired record goes at its first use after.
    const expired = found?.expiresAt !== undefined && found.expiresAt <= this.now();
    if (found && expired) await this.store.tokens.delete(found.id);
    const stored = expired ? undefined : found;
    const principal = stored && (await this.resolve(stored));
    if (!principal) throw unauthorized(true);
    return principal;
  }

  private async resolve(t: ApiToken): Promise<Principal | undefined> {
    if (t.role === 'platform') return { role: 'platform', tokenId: t.id };
    // A token outlives nothing it belongs to: a deleted customer or account makes it invalid.
    if (!t.customerId || !(await this.store.customers.get(t.customerId))) return undefined;
    if (t.role === 'beheerder') return { role: 'beheerder', tokenId: t.id, customerId: t.customerId };
    if (!t.accountId) return undefined;
    const account = await this.store.accounts.get(t.accountId);
    if (!account || account.customerId !== t.customerId) return undefined;
    return { role: 'gebruiker', tokenId: t.id, customerId: t.customerId, accountId: t.accountId };
  }
}

/** True when the principal may see this customer's data at all (otherwise it is a 404). */
export function seesCustomer(p: Principal, customerId: string): boolean {
  return p.role === 'platform' || p.customerId === customerId;
}

/** A record of the principal's own customer, or a 404: another customer's data is invisible, not forbidden. */
export function ownOr404<T extends { customerId: string }>(p: Principal, record: T | undefined): T {
  if (!record || !seesCustomer(p, record.customerId)) throw notFound();
  return record;
}
