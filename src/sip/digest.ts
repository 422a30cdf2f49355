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
      while (i < s.length) {
        const ch = s[i];
        if (ch === '\\' && i + 1 < s.length) {
          val += s[i + 1];
          i += 2;
        } else if (ch === '"') {
          closed = true;
          i++;
          break;
        } else {
          val += ch;
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

/** The expected `response` of RFC 2617 §3.2.2.1 (qop=auth or none; MD5 or MD5-sess). */
export function digestResponse(p: {
  username: string; realm: string; password: string; method: string; uri: string; nonce: string;
  algorithm?: string; qop?: string; nc?: string; cnonce?: string;
}): string {
  let ha1 = md5(`${p.username}:${p.realm}:${p.password}`);
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
    randomBytes(RANDOM_BYTES).copy(head, TIMESTAMP_BYTES);
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
    let password: string | undefined;
    if (account) {
      try {
        password = this.opts.secrets.decrypt(account.passwordEnc);
      } catch {
        password = undefined;
      }
    }
    // An unknown user costs the same hashing as a known one, so the two look alike.
    const expected = digestResponse({
      username, realm, password: password ?? randomBytes(12).toString('hex'), method, uri, nonce, algorithm,
      ...(qop !== undefined ? { qop, nc, cnonce } : {}),
    });
    const matches = sameHex(expected, response);
    if (!account || password === undefined) return { ok: false, reason: 'unknown-user', username };
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
}
