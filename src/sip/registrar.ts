/**
 * The registrar (RFC 3261 §10.3) as drachtio-srf middleware: srf.use('register', createRegistrar(…)).
 * Digest-authenticates the phone, then adds, refreshes and removes its bindings in the shared
 * location store. The packet's source address and port are kept with each binding: calls to a
 * phone behind NAT go there, not to the (private) address in its Contact.
 */
import type Srf from 'drachtio-srf';
import { parseCSeq, parseContactList, parseNameAddr, type NameAddr } from '../engine/sip/headers.js';
import { parseUri } from '../engine/sip/uri.js';
import type { Logger } from '../logger.js';
import type { Registration, Store } from '../store/StoreTypes.js';
import type { DigestAuth, DigestFail } from './digest.js';
import { isScanner, type AuthThrottle } from './security.js';

export interface RegistrarDeps {
  store: Store;
  digest: DigestAuth;
  throttle: AuthThrottle;
  logger: Logger;
  /** Shortest accepted registration in seconds (default 60); shorter gets 423 (RFC 3261 §10.3 step 7). */
  minExpires?: number;
  /** Longest registration in seconds (default 3600); longer requests are shortened to it. */
  maxExpires?: number;
  /** Used when neither the Contact's expires nor an Expires header says (default 3600). */
  defaultExpires?: number;
  /**
   * Told after the 200 of each REGISTER that added a binding, or renewed one under a new
   * Call-ID (the phone restarted: RFC 3261 §10.2.4 has a phone keep its Call-ID across
   * refreshes), with those bindings. Plain refreshes are not reported. Used to send a phone
   * the message-waiting state right away (src/voicemail/Mwi.ts).
   */
  onRegistered?: (accountId: string, bindings: Registration[]) => void;
}

/**
 * drachtio-srf middleware. srf.use() types `next` as Function, so the parameter says Function
 * too: `srf.use('register', createRegistrar(…))` then type-checks, and callers may still pass
 * a `() => void`.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type SrfMiddleware = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: Function) => Promise<void>;

/** Why a REGISTER was refused before any binding changed; `headers` go into the response. */
class Refusal {
  constructor(readonly status: number, readonly reason: string, readonly headers: Record<string, string> = {}) {}
}

/**
 * A header value, or undefined. drachtio-srf's get() is typed string but returns undefined when
 * the header is absent; one get() instead of has() + get() halves its header-name scans.
 */
function header(req: Srf.SrfRequest, name: string): string | undefined {
  return req.get(name) as string | undefined;
}

/** delta-seconds (RFC 3261 §25.1), or undefined when absent or not a number. */
function deltaSeconds(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value.trim();
  if (!/^\d{1,10}$/.test(v)) return undefined;
  return Number(v);
}

/** The user part of the To header's URI (the address of record), %-escapes decoded. */
function toUser(req: Srf.SrfRequest): string | undefined {
  const to = header(req, 'To');
  const na = to ? parseNameAddr(to) : null;
  const user = na ? parseUri(na.uri)?.user : undefined;
  if (user === undefined) return undefined;
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}

function instanceOf(c: NameAddr): string | undefined {
  const v = c.params['+sip.instance'];
  return v ? v.replace(/^"|"$/g, '') : undefined;
}

export function createRegistrar(deps: RegistrarDeps): SrfMiddleware {
  const { store, digest, throttle, logger } = deps;
  const minExpires = deps.minExpires ?? 60;
  const maxExpires = deps.maxExpires ?? 3600;
  const defaultExpires = deps.defaultExpires ?? 3600;

  function challenge(res: Srf.SrfResponse, stale: boolean): void {
    res.send(401, { headers: { 'WWW-Authenticate': digest.challenge(stale) } });
  }

  /**
   * Every authentication failure that is not "please authenticate" looks the same from outside
   * (unknown user and wrong password alike): count it against the source, then 401 or 403.
   */
  async function refuseCredentials(req: Srf.SrfRequest, res: Srf.SrfResponse, fail: DigestFail): Promise<void> {
    const source = req.source_address;
    switch (fail.reason) {
      case 'missing':
      case 'malformed':
      case 'wrong-realm':
        challenge(res, false);
        return;
      case 'stale':
        challenge(res, true);
        return;
      case 'unknown-user':
      case 'bad-password':
      case 'replay': {
        const blocked = await throttle.recordFailure(source);
        logger.info({ source, port: req.source_port, username: fail.username, reason: fail.reason, blocked }, 'REGISTER authentication failed');
        if (blocked) res.send(403);
        else challenge(res, false);
        return;
      }
    }
  }

  /** RFC 3261 §10.3 steps 6–8 for an authenticated account: change the bindings, answer 200. */
  async function bind(req: Srf.SrfRequest, res: Srf.SrfResponse, accountId: string): Promise<void> {
    const now = Date.now();
    const callId = req.get('Call-ID');
    const cseq = parseCSeq(req.get('CSeq'))?.seq ?? 0;
    const expiresHeader = deltaSeconds(header(req, 'Expires'));
    const contactValue = header(req, 'Contact');
    const contacts = contactValue === undefined ? [] : parseContactList([contactValue]);
    if (contacts === null) throw new Refusal(400, 'Bad Request - malformed Contact');
    const existing = await store.locations.list(accountId);
    let registered: Registration[] = [];

    // §10.3 step 7: a binding updated from the same Call-ID needs a higher CSeq (out-of-order
    // or replayed request); the whole request fails and nothing changes.
    const checkOrder = (uri: string | undefined): void => {
      for (const b of existing) {
        if ((uri === undefined || b.contact === uri) && b.callId === callId && cseq <= b.cseq) {
          throw new Refusal(500, 'Server Internal Error - CSeq out of order', { 'Retry-After': '5' });
        }
      }
    };

    if (contacts === '*') {
      // §10.3 step 6: '*' only with Expires: 0, and then it removes every binding.
      if (expiresHeader !== 0) throw new Refusal(400, 'Bad Request - Contact * needs Expires: 0');
      checkOrder(undefined);
      await store.locations.removeAll(accountId);
    } else {
      const changes: Array<{ contact: NameAddr; expires: number }> = [];
      for (const contact of contacts) {
        let expires = deltaSeconds(contact.params.expires) ?? expiresHeader ?? defaultExpires;
        if (expires !== 0 && expires < minExpires) {
          throw new Refusal(423, 'Interval Too Brief', { 'Min-Expires': String(minExpires) });
        }
        if (expires > maxExpires) expires = maxExpires;
        checkOrder(contact.uri);
        changes.push({ contact, expires });
      }
      const fresh: Registration[] = [];
      const userAgent = header(req, 'User-Agent');
      const receivedOn = (req as unknown as { receivedOn?: string }).receivedOn;
      for (const { contact, expires } of changes) {
        if (expires === 0) {
          await store.locations.remove(accountId, contact.uri);
          continue;
        }
        const binding: Registration = {
          accountId,
          contact: contact.uri,
          source: {
            protocol: req.protocol.toLowerCase() === 'tcp' ? 'tcp' : 'udp',
            host: req.source_address,
            port: Number(req.source_port),
          },
          callId,
          cseq,
          expiresAt: now + expires * 1000,
          registeredAt: now,
        };
        if (receivedOn) binding.receivedOn = receivedOn;
        if (userAgent) binding.userAgent = userAgent;
        const instance = instanceOf(contact);
        if (instance) binding.instance = instance;
        await store.locations.save(binding);
        if (!existing.some((b) => b.contact === binding.contact && b.callId === callId)) fresh.push(binding);
      }
      registered = fresh;
    }

    // §10.3 step 8: the 200 lists every current binding with its remaining time.
    const current = await store.locations.list(accountId);
    const headers: Record<string, string> = { Date: new Date(now).toUTCString() };
    if (current.length > 0) {
      headers.Contact = current
        .map((b) => `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`)
        .join(', ');
    }
    res.send(200, { headers });
    if (registered.length > 0 && deps.onRegistered) {
      try {
        deps.onRegistered(accountId, registered);
      } catch (err) {
        logger.warn({ err: (err as Error).message, accountId }, 'onRegistered listener failed');
      }
    }
  }

  return async function registrar(req, res, next) {
    if (req.method !== 'REGISTER') {
      next();
      return;
    }
    const source = req.source_address;
    try {
      if (isScanner(req)) {
        // No answer at all: a scanner learns nothing, and its transaction times out (issue 3 §6).
        logger.debug({ source, userAgent: header(req, 'User-Agent') }, 'REGISTER from a scanner dropped');
        return;
      }
      if (await throttle.isBlocked(source)) {
        res.send(403);
        return;
      }
      const auth = await digest.verify(header(req, 'Authorization'), 'REGISTER');
      if (!auth.ok) {
        await refuseCredentials(req, res, auth);
        return;
      }
      // The credentials must be those of the address of record being registered (§10.3 step 3).
      if (toUser(req) !== auth.username) {
        logger.info({ source, username: auth.username, to: header(req, 'To') }, 'REGISTER for another address of record refused');
        res.send(403);
        return;
      }
      const customer = await store.customers.get(auth.account.customerId);
      if (!customer || customer.status !== 'active') {
        logger.info({ source, username: auth.username, customerId: auth.account.customerId }, 'REGISTER of a suspended customer refused');
        res.send(403);
        return;
      }
      await bind(req, res, auth.account.id);
    } catch (err) {
      if (err instanceof Refusal) {
        res.send(err.status, err.reason, { headers: err.headers });
        return;
      }
      logger.error({ err, source, callId: header(req, 'Call-ID') }, 'REGISTER failed');
      if (!res.finalResponseSent) res.send(500);
    }
  };
}
