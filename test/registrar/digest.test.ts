import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DigestAuth, digestResponse, parseAuthHeader } from '../../src/sip/digest.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const REALM = 'contactsuite.test';

describe('digestResponse (RFC 2617 §3.2.2.1)', () => {
  const rows = [
    {
      name: 'RFC 2617 §3.5 example (qop=auth)',
      input: { username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' },
      expected: '6629fae49393a05397450978507c4ef1',
    },
    {
      name: 'RFC 2069 style (no qop)',
      input: { username: 'alice', realm: REALM, password: 's3cret', method: 'REGISTER', uri: 'sip:127.0.0.1:5060', nonce: 'abc' },
      expected: md5(`${md5(`alice:${REALM}:s3cret`)}:abc:${md5('REGISTER:sip:127.0.0.1:5060')}`),
    },
    {
      name: 'qop=auth for a REGISTER',
      input: { username: '1001', realm: REALM, password: 'pw', method: 'REGISTER', uri: 'sip:127.0.0.1:5070', nonce: 'n1', qop: 'auth', nc: '0000000a', cnonce: 'c1' },
      expected: md5(`${md5(`1001:${REALM}:pw`)}:n1:0000000a:c1:auth:${md5('REGISTER:sip:127.0.0.1:5070')}`),
    },
    {
      name: 'MD5-sess',
      input: { username: '1001', realm: REALM, password: 'pw', method: 'REGISTER', uri: 'sip:x', nonce: 'n1', qop: 'auth', nc: '00000001', cnonce: 'c1', algorithm: 'MD5-sess' },
      expected: md5(`${md5(`${md5(`1001:${REALM}:pw`)}:n1:c1`)}:n1:00000001:c1:auth:${md5('REGISTER:sip:x')}`),
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(digestResponse(row.input)).toBe(row.expected);
    });
  }
});

describe('parseAuthHeader', () => {
  it('reads quoted and bare parameters, with escapes and commas inside quotes', () => {
    const parsed = parseAuthHeader('Digest username="a\\"b", realm="x,y", nc=00000001, qop=auth');
    expect(parsed?.scheme).toBe('Digest');
    expect(Object.fromEntries(parsed?.params ?? [])).toEqual({ username: 'a"b', realm: 'x,y', nc: '00000001', qop: 'auth' });
  });
  it('rejects an unterminated quote and a repeated parameter', () => {
    expect(parseAuthHeader('Digest username="abc')).toBeUndefined();
    expect(parseAuthHeader('Digest username="a", username="b"')).toBeUndefined();
  });
});

describe('DigestAuth.verify', () => {
  let store: MemoryStore;
  let digest: DigestAuth;
  const secrets = new SecretBox(randomBytes(32));
  const ttl = 60_000;

  beforeEach(async () => {
    store = new MemoryStore();
    const customer = await store.customers.create({ name: 'Bakkerij', status: 'active', creditLimitCents: 10_000 });
    await store.accounts.create({ customerId: customer.id, username: '1001', displayName: 'Balie', passwordEnc: secrets.encrypt('geheim'), channelLimit: 2 });
    digest = new DigestAuth({ realm: REALM, secret: randomBytes(32), nonceTtlMs: ttl, counters: store.counters, accounts: store.accounts, secrets });
  });
  afterEach(async () => {
    await store.close();
  });

  /** The Authorization header a phone would send for this nonce. */
  function authorization(o: { nonce: string; username?: string; password?: string; realm?: string; nc?: string; qop?: string | null; uri?: string; algorithm?: string; cnonce?: string }): string {
    const username = o.username ?? '1001';
    const realm = o.realm ?? REALM;
    const uri = o.uri ?? 'sip:127.0.0.1:5060';
    const qop = o.qop === null ? undefined : (o.qop ?? 'auth');
    const nc = o.nc ?? '00000001';
    const cnonce = o.cnonce ?? 'deadbeef';
    const response = digestResponse({
      username, realm, password: o.password ?? 'geheim', method: 'REGISTER', uri, nonce: o.nonce,
      ...(o.algorithm ? { algorithm: o.algorithm } : {}),
      ...(qop ? { qop, nc, cnonce } : {}),
    });
    const parts = [`username="${username}"`, `realm="${realm}"`, `nonce="${o.nonce}"`, `uri="${uri}"`, `response="${response}"`];
    if (o.algorithm) parts.push(`algorithm=${o.algorithm}`);
    if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
    return `Digest ${parts.join(', ')}`;
  }

  function nonceOf(challenge: string): string {
    const nonce = parseAuthHeader(challenge)?.params.get('nonce');
    if (!nonce) throw new Error(`no nonce in ${challenge}`);
    return nonce;
  }

  it('issues a challenge with realm, nonce, opaque, MD5 and qop="auth"', () => {
    const c = digest.challenge();
    expect(c).toMatch(/^Digest realm="contactsuite\.test", nonce="[A-Za-z0-9_-]+", opaque="[^"]+", algorithm=MD5, qop="auth"$/);
    expect(digest.challenge(true)).toMatch(/, stale=TRUE$/);
    expect(nonceOf(digest.challenge())).not.toBe(nonceOf(c));
  });

  const cases: Array<{ name: string; header: (nonce: string) => string | undefined; expected: string }> = [
    { name: 'accepts qop=auth', header: (n) => authorization({ nonce: n }), expected: 'ok' },
    { name: 'accepts a client without qop (RFC 2069)', header: (n) => authorization({ nonce: n, qop: null }), expected: 'ok' },
    { name: 'accepts MD5-sess', header: (n) => authorization({ nonce: n, algorithm: 'MD5-sess' }), expected: 'ok' },
    { name: 'accepts any digest uri as sent', header: (n) => authorization({ nonce: n, uri: 'sip:somewhere.else' }), expected: 'ok' },
    { name: 'missing header', header: () => undefined, expected: 'missing' },
    { name: 'Basic scheme', header: () => 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', expected: 'malformed' },
    { name: 'no uri', header: (n) => authorization({ nonce: n }).replace(/uri="[^"]*", /, ''), expected: 'malformed' },
    { name: 'qop=auth-int', header: (n) => authorization({ nonce: n, qop: 'auth-int' }), expected: 'malformed' },
    { name: 'nc not 8 hex digits', header: (n) => authorization({ nonce: n, nc: '1' }), expected: 'malformed' },
    { name: 'unsupported algorithm', header: (n) => authorization({ nonce: n, algorithm: 'SHA-256' }), expected: 'malformed' },
    { name: 'forged nonce', header: () => authorization({ nonce: Buffer.alloc(52, 7).toString('base64url') }), expected: 'malformed' },
    { name: 'other realm', header: (n) => authorization({ nonce: n, realm: 'elsewhere' }), expected: 'wrong-realm' },
    { name: 'unknown user', header: (n) => authorization({ nonce: n, username: '9999' }), expected: 'unknown-user' },
    { name: 'wrong password', header: (n) => authorization({ nonce: n, password: 'raden' }), expected: 'bad-password' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.expected}`, async () => {
      const result = await digest.verify(c.header(nonceOf(digest.challenge())), 'REGISTER');
      expect(result.ok ? 'ok' : result.reason).toBe(c.expected);
      if (result.ok) expect(result.account.username).toBe('1001');
    });
  }

  it('checks the method: a response computed for REGISTER does not pass for INVITE', async () => {
    const result = await digest.verify(authorization({ nonce: nonceOf(digest.challenge()) }), 'INVITE');
    expect(result).toMatchObject({ ok: false, reason: 'bad-password' });
  });

  it('says stale for a right password on an expired nonce, and bad-password for a wrong one', async () => {
    const old = digest.newNonce(Date.now() - ttl - 1_000);
    expect(await digest.verify(authorization({ nonce: old }), 'REGISTER')).toMatchObject({ ok: false, reason: 'stale' });
    expect(await digest.verify(authorization({ nonce: old, password: 'x' }), 'REGISTER')).toMatchObject({ ok: false, reason: 'bad-password' });
  });

  it('a nonce from another secret (another deployment) is not accepted', async () => {
    const other = new DigestAuth({ realm: REALM, secret: randomBytes(32), counters: store.counters, accounts: store.accounts, secrets });
    const result = await digest.verify(authorization({ nonce: nonceOf(other.challenge()) }), 'REGISTER');
    expect(result).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('a nonce from another instance with the same secret is accepted (no shared nonce state)', async () => {
    const secret = randomBytes(32);
    const a = new DigestAuth({ realm: REALM, secret, counters: store.counters, accounts: store.accounts, secrets });
    const b = new DigestAuth({ realm: REALM, secret, counters: store.counters, accounts: store.accounts, secrets });
    expect((await b.verify(authorization({ nonce: nonceOf(a.challenge()) }), 'REGISTER')).ok).toBe(true);
  });

  it('accepts a rising nonce-count and refuses a repeated or lower one', async () => {
    const nonce = nonceOf(digest.challenge());
    const verdict = async (nc: string): Promise<string> => {
      const r = await digest.verify(authorization({ nonce, nc }), 'REGISTER');
      return r.ok ? 'ok' : r.reason;
    };
    expect(await verdict('00000001')).toBe('ok');
    expect(await verdict('00000002')).toBe('ok');
    expect(await verdict('00000002')).toBe('replay');
    expect(await verdict('00000001')).toBe('replay');
    expect(await verdict('0000000a')).toBe('ok');
  });

  it('a nonce without qop is good for one request only', async () => {
    const nonce = nonceOf(digest.challenge());
    expect((await digest.verify(authorization({ nonce, qop: null }), 'REGISTER')).ok).toBe(true);
    expect(await digest.verify(authorization({ nonce, qop: null }), 'REGISTER')).toMatchObject({ ok: false, reason: 'replay' });
  });

  it('a changed password counts from the next REGISTER on, and the old one no longer does', async () => {
    const account = await store.accounts.getByUsername('1001');
    expect((await digest.verify(authorization({ nonce: nonceOf(digest.challenge()) }), 'REGISTER')).ok).toBe(true);
    await store.accounts.update(account?.id ?? '', { passwordEnc: secrets.encrypt('nieuw-geheim') });
    expect(await digest.verify(authorization({ nonce: nonceOf(digest.challenge()) }), 'REGISTER')).toMatchObject({ ok: false, reason: 'bad-password' });
    expect((await digest.verify(authorization({ nonce: nonceOf(digest.challenge()), password: 'nieuw-geheim' }), 'REGISTER')).ok).toBe(true);
  });

  it('gives every challenge its own nonce, also across many', () => {
    const nonces = new Set(Array.from({ length: 1000 }, () => nonceOf(digest.challenge())));
    expect(nonces.size).toBe(1000);
  });

  it('reads a quoted value with backslash escapes in the middle and at the ends', () => {
    expect(parseAuthHeader('Digest a="x\\"y\\\\z", b="\\"q\\"", c=""')?.params).toEqual(new Map([['a', 'x"y\\z'], ['b', '"q"'], ['c', '']]));
  });

  it('a wrong password does not use up the nonce-count', async () => {
    const nonce = nonceOf(digest.challenge());
    expect(await digest.verify(authorization({ nonce, password: 'nope' }), 'REGISTER')).toMatchObject({ reason: 'bad-password' });
    expect((await digest.verify(authorization({ nonce }), 'REGISTER')).ok).toBe(true);
  });
});
