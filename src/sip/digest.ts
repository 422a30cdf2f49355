/**
 * SIP digest authentication on the server side (RFC 2617 and RFC 7616 with MD5, RFC 3261 §22).
 *
 * Nonces are self-contained: base64url(timestamp | random | HMAC-SHA256(secret, timestamp|random)),
 * so every app instance that shares the secret can check a nonce without shared state. Only the
 * nonce-count replay check needs the store (Counters.raiseIfHigher), which Redis shares.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SecretBox } from '../store/secrets.js';
import type { Account, AccountRepo, Counters } from '../store/StoreTypes.js';

export type DigestFailure = 'missing' | 'malformed' | 'unknown-user' | 'bad-password' | 'stale' | 'replay' | 'wrong-realm';
export interface DigestOk { ok: true; username: string; account: Account }
export interface DigestFail { ok: false; reason: DigestFailure; username?: string }

export interface DigestAuthOptions {
  realm: string;
  /** Nonce HMAC key; the same on every app instance that shares registrations. */
  secret: Buffer;
  /** How long a nonce is accepted (default 5 minutes); afterwards a correct answer gets stale=TRUE. */
  nonceTtlMs?: number;
  counters: Counters;
  /** Only the lookup by username is used (provisioning passes a device lookup here). */
  accounts: Pick<AccountRepo, 'getByUsername'>;
  /** Decrypts Account.passwordEnc (a SecretBox). */
  secrets: Pick<SecretBox, 'decrypt'>;
}

const TIMESTAMP_BYTES = 8;
const RANDOM_BYTES = 12;
const MAC_BYTES = 32;
const NONCE_BYTES = TIMESTAMP_BYTES + RANDOM_BYTES + MAC_BYTES;
/** Instances' clocks may differ a little; a nonce from further in the future is forged. */
const CLOCK_SKEW_MS = 5_000;
/** HA1 values kept (see DigestAuth.ha1): an entry is about 200 bytes. */
const HA1_CACHE_MAX = 50_000;
/** Random bytes drawn at once for nonces: one system call per 340 challenges, not one each. */
const RANDOM_POOL_BYTES = 4096;

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * Splits `Digest a="x", b=y` into its scheme and lower-cased parameter names (RFC 7235 §2.1
 * auth-param; quoted-string with backslash escapes). Returns undefined for a value that is not
 * a parameter list.
 */
export function parseAuthHeader(value: string): { scheme: string; params: Map<string, string> } | undefined {
  const m = /^\s*([A-Za-z][\w-]*)\s+/.exec(value);
  if (!m) return undefined;
  const params = new Map<string, string>();
  let i = m[0].length;
  const s = value;
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++;
    if (i >= s.length) break;
    const nameMatch = /^([\w.+-]+)\s*=\s*/.exec(s.slice(i));
    if (!nameMatch?.[1]) return undefined;
    const name = nameMatch[1].toLowerCase();
    i += nameMatch[0].length;
    let val = '';
    if (s[i] === '"') {
      i++;
      let closed = false;
      // Runs without a backslash are taken in one slice (every REGISTER carries six of these).
      let run = i;
      while (i < s.length) {
        const ch = s.charCodeAt(i);
        if (ch === 0x5c /* \\ */ && i + 1 < s.length) {
          val += s.slice(run, i) + s[i + 1];
          i += 2;
          run = i;
        } else if (ch === 0x22 /* " */) {
          val += s.slice(run, i);
          closed = true;
          i++;
          break;
        } else {
          i++;
        }
      }
      if (!closed) return undefined;
    } else {
      const start = i;
      while (i < s.length && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
      val = s.slice(start, i);
    }
    // A repeated parameter makes the header ambiguous (RFC 7616 §3.4: each appears once).
    if (params.has(name)) return undefined;
    params.set(name, val);
  }
  return { scheme: m[1] ?? '', params };
}

interface DigestInput {
  username: string; realm: string; password: string; method: string; uri: string; nonce: string;
  algorithm?: string; qop?: string; nc?: string; cnonce?: string;
}

/** The expected `response` of RFC 2617 §3.2.2.1 (qop=auth or none; MD5 or MD5-sess). */
export function digestResponse(p: DigestInput): string {
  return responseFromHa1(md5(`${p.username}:${p.realm}:${p.password}`), p);
}

/** digestResponse from HA1 = MD5(username:realm:password), for callers that keep HA1. */
function responseFromHa1(userHa1: string, p: Omit<DigestInput, 'password' | 'username' | 'realm'>): string {
  let ha1 = userHa1;
  if (p.algorithm?.toLowerCase() === 'md5-sess') ha1 = md5(`${ha1}:${p.nonce}:${p.cnonce ?? ''}`);
  const ha2 = md5(`${p.method}:${p.uri}`);
  if (p.qop) return md5(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`);
  // RFC 2069 compatibility: no qop, no cnonce, no nonce-count.
  return md5(`${ha1}:${p.nonce}:${ha2}`);
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class DigestAuth {
  private readonly realm: string;
  private readonly secret: Buffer;
  private readonly nonceTtlMs: number;
  private readonly opaque: string;
  /**
   * HA1 by encrypted password and username. Every REGISTER would otherwise decrypt the password
   * (AES-GCM) and hash it again; HA1 is no more than what this process can already decrypt. A
   * changed password is a new passwordEnc, so a stale entry is never hit; the oldest go first.
   */
  private readonly ha1Cache = new Map<string, string>();
  private randomPool = Buffer.alloc(0);
  private randomOffset = 0;

  constructor(private readonly opts: DigestAuthOptions) {
    this.realm = opts.realm;
    this.secret = opts.secret;
    this.nonceTtlMs = opts.nonceTtlMs ?? 300_000;
    // Constant per realm and secret: clients echo it (RFC 2617 §3.2.1); it carries no state.
    this.opaque = createHmac('sha256', this.secret).update(`opaque|${this.realm}`).digest('base64url').slice(0, 22);
  }

  /** Value for WWW-Authenticate (401) or Proxy-Authenticate (407). */
  challenge(stale = false): string {
    const header = `Digest realm="${this.realm}", nonce="${this.newNonce()}", opaque="${this.opaque}", algorithm=MD5, qop="auth"`;
    return stale ? `${header}, stale=TRUE` : header;
  }

  /** A fresh signed nonce (exported for tests that need to craft one). */
  newNonce(now = Date.now()): string {
    const head = Buffer.alloc(TIMESTAMP_BYTES + RANDOM_BYTES);
    head.writeBigUInt64BE(BigInt(now), 0);
    if (this.randomOffset + RANDOM_BYTES > this.randomPool.length) {
      this.randomPool = randomBytes(RANDOM_POOL_BYTES);
      this.randomOffset = 0;
    }
    this.randomPool.copy(head, TIMESTAMP_BYTES, this.randomOffset, this.randomOffset + RANDOM_BYTES);
    this.randomOffset += RANDOM_BYTES;
    const mac = createHmac('sha256', this.secret).update(head).digest();
    return Buffer.concat([head, mac]).toString('base64url');
  }

  /** The nonce's issue time when its signature is ours, else undefined. */
  private nonceTime(nonce: string): number | undefined {
    if (!/^[A-Za-z0-9_-]+$/.test(nonce)) return undefined;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== NONCE_BYTES) return undefined;
    const head = raw.subarray(0, TIMESTAMP_BYTES + RANDOM_BYTES);
    const mac = createHmac('sha256', this.secret).update(head).digest();
    if (!timingSafeEqual(mac, raw.subarray(TIMESTAMP_BYTES + RANDOM_BYTES))) return undefined;
    return Number(raw.readBigUInt64BE(0));
  }

  /**
   * Checks Authorization / Proxy-Authorization for a request with this method. The password is
   * checked before the nonce's age, so 'stale' means "right password, old nonce" (RFC 2617
   * §3.2.1: the client may retry without asking the user).
   */
  async verify(header: string | undefined, method: string): Promise<DigestOk | DigestFail> {
    if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
    const parsed = parseAuthHeader(header);
    if (!parsed || parsed.scheme.toLowerCase() !== 'digest') return { ok: false, reason: 'malformed' };
    const p = parsed.params;
    const username = p.get('username');
    const realm = p.get('realm');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    if (!username || realm === undefined || !nonce || !uri || !response) return { ok: false, reason: 'malformed', ...(username ? { username } : {}) };
    if (realm !== this.realm) return { ok: false, reason: 'wrong-realm', username };
    const algorithm = p.get('algorithm') ?? 'MD5';
    if (!/^md5(-sess)?$/i.test(algorithm)) return { ok: false, reason: 'malformed', username };
    const qop = p.get('qop');
    const nc = p.get('nc');
    const cnonce = p.get('cnonce');
    if (qop !== undefined) {
      // We offer only qop="auth" (no auth-int); with a qop, cnonce and an 8-hex nc are required.
      if (qop.toLowerCase() !== 'auth' || !cnonce || !nc || !/^[0-9a-fA-F]{8}$/.test(nc) || parseInt(nc, 16) === 0) return { ok: false, reason: 'malformed', username };
    } else if (algorithm.toLowerCase() === 'md5-sess') {
      return { ok: false, reason: 'malformed', username };
    }
    const issued = this.nonceTime(nonce);
    const now = Date.now();
    if (issued === undefined || issued > now + CLOCK_SKEW_MS) return { ok: false, reason: 'malformed', username };

    const account = await this.opts.accounts.getByUsername(username);
    const known = account ? this.ha1(account, username) : undefined;
    // An unknown user costs the same hashing as a known one, so the two look alike.
    const userHa1 = known ?? md5(`${username}:${realm}:${randomBytes(12).toString('hex')}`);
    const expected = responseFromHa1(userHa1, {
      method, uri, nonce, algorithm,
      ...(qop !== undefined ? { qop, nc, cnonce } : {}),
    });
    const matches = sameHex(expected, response);
    if (!account || known === undefined) return { ok: false, reason: 'unknown-user', username };
    if (!matches) return { ok: false, reason: 'bad-password', username };
    if (now - issued > this.nonceTtlMs) return { ok: false, reason: 'stale', username };
    // Replay check (RFC 7616 §3.4 nc). Without qop there is no nonce-count, so such a nonce is
    // good for one request only: the digest does not cover Contact, so a replayed REGISTER
    // could otherwise bind another address.
    const count = qop !== undefined ? parseInt(nc ?? '0', 16) : 1;
    // The entry need only outlive the nonce: after that the nonce is stale anyway.
    const remainingMs = Math.max(1_000, issued + this.nonceTtlMs - now + CLOCK_SKEW_MS);
    const fresh = await this.opts.counters.raiseIfHigher(`nc:${nonce}`, count, remainingMs);
    if (!fresh) return { ok: false, reason: 'replay', username };
    return { ok: true, username, account };
  }

  /** HA1 = MD5(username:realm:password) of an account; undefined when its password cannot be decrypted. */
  private ha1(account: Account, username: string): string | undefined {
    const key = `${account.passwordEnc}\n${username}`;
    const cached = this.ha1Cache.get(key);
    if (cached !== undefined) return cached;
    let password: string;
    try {
      password = this.opts.secrets.decrypt(account.passwordEnc);
    } catch {
      return undefined;
    }
    const ha1 = md5(`${username}:${this.realm}:${password}`);
    if (this.ha1Cache.size >= HA1_CACHE_MAX) {
      const oldest = this.ha1Cache.keys().next();
      if (!oldest.done) this.ha1Cache.delete(oldest.value);
    }
    this.ha1Cache.set(key, ha1);
    return ha1;
  }
}
