/*
 * RFC 3261 §10.3 binding rules of the registrar middleware, driven with in-memory requests
 * (the SIPp tests in registrar.test.ts cover the same middleware on the wire).
 */
import { randomBytes } from 'node:crypto';
import type Srf from 'drachtio-srf';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { DigestAuth, digestResponse, parseAuthHeader } from '../../src/sip/digest.js';
import { createRegistrar } from '../../src/sip/registrar.js';
import { AuthThrottle } from '../../src/sip/security.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import type { Account, Store } from '../../src/store/StoreTypes.js';

const REALM = 'contactsuite.test';

interface Sent { status: number; reason?: string; headers: Record<string, string> }

function fakeRequest(headers: Record<string, string>, source = { address: '192.0.2.10', port: 5099 }): Srf.SrfRequest {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: 'REGISTER',
    source_address: source.address,
    source_port: source.port,
    protocol: 'udp',
    has: (name: string) => lower.has(name.toLowerCase()),
    get: (name: string) => lower.get(name.toLowerCase()),
  } as unknown as Srf.SrfRequest;
}

function fakeResponse(): { res: Srf.SrfResponse; sent: Sent[] } {
  const sent: Sent[] = [];
  const res = {
    get finalResponseSent() { return sent.length > 0; },
    send(status: number, a?: unknown, b?: unknown) {
      if (typeof a === 'string') sent.push({ status, reason: a, headers: (b as { headers?: Record<string, string> } | undefined)?.headers ?? {} });
      else sent.push({ status, headers: (a as { headers?: Record<string, string> } | undefined)?.headers ?? {} });
    },
  } as unknown as Srf.SrfResponse;
  return { res, sent };
}

describe('registrar binding rules', () => {
  let store: MemoryStore;
  let digest: DigestAuth;
  let throttle: AuthThrottle;
  let account: Account;
  let register: ReturnType<typeof createRegistrar>;
  let nc = 0;
  let nonce = '';
  const secrets = new SecretBox(randomBytes(32));

  beforeEach(async () => {
    store = new MemoryStore();
    digest = new DigestAuth({ realm: REALM, secret: randomBytes(32), counters: store.counters, accounts: store.accounts, secrets });
    throttle = new AuthThrottle({ counters: store.counters });
    register = createRegistrar({ store, digest, throttle, logger: silentLogger(), minExpires: 60, maxExpires: 3600, defaultExpires: 1800 });
    const customer = await store.customers.create({ name: 'Bakkerij', status: 'active', creditLimitCents: 10_000 });
    account = await store.accounts.create({ customerId: customer.id, username: '1001', displayName: 'Balie', passwordEnc: secrets.encrypt('geheim'), channelLimit: 2 });
    nonce = parseAuthHeader(digest.challenge())?.params.get('nonce') ?? '';
    nc = 0;
  });
  afterEach(async () => {
    await store.close();
  });

  function authorization(password = 'geheim', username = '1001'): string {
    nc++;
    const ncHex = nc.toString(16).padStart(8, '0');
    const uri = 'sip:192.0.2.1';
    const response = digestResponse({ username, realm: REALM, password, method: 'REGISTER', uri, nonce, qop: 'auth', nc: ncHex, cnonce: 'c0ffee' });
    return `Digest username="${username}", realm="${REALM}", nonce="${nonce}", uri="${uri}", response="${response}", qop=auth, nc=${ncHex}, cnonce="c0ffee"`;
  }

  async function send(headers: Record<string, string>, opts: { password?: string; username?: string; source?: { address: string; port: number } } = {}): Promise<Sent | undefined> {
    const { res, sent } = fakeResponse();
    const req = fakeRequest({
      'To': '<sip:1001@192.0.2.1>',
      'From': '<sip:1001@192.0.2.1>;tag=a',
      'Call-ID': 'call-1',
      'CSeq': '1 REGISTER',
      'Authorization': authorization(opts.password, opts.username),
      ...headers,
    }, opts.source);
    let passedOn = false;
    await register(req, res, () => { passedOn = true; });
    expect(passedOn).toBe(false);
    expect(sent.length).toBeLessThanOrEqual(1);
    return sent[0];
  }

  const contacts = async (): Promise<Array<[string, number]>> =>
    (await store.locations.list(account.id)).map((b) => [b.contact, Math.round((b.expiresAt - Date.now()) / 1000)]);

  it('reports new bindings and restarted phones (new Call-ID) to onRegistered, not refreshes or removals', async () => {
    const reported: string[][] = [];
    register = createRegistrar({ store, digest, throttle, logger: silentLogger(), onRegistered: (id, b) => reported.push([id, ...b.map((r) => `${r.contact} ${r.callId}`)]) });
    await send({ 'Call-ID': 'boot-1', 'CSeq': '1 REGISTER', 'Contact': '<sip:a@10.0.0.1>' });
    await send({ 'Call-ID': 'boot-1', 'CSeq': '2 REGISTER', 'Contact': '<sip:a@10.0.0.1>' }); // refresh
    await send({ 'Call-ID': 'boot-1', 'CSeq': '3 REGISTER', 'Contact': '<sip:a@10.0.0.1>, <sip:b@10.0.0.1>' }); // b is new
    await send({ 'Call-ID': 'boot-2', 'CSeq': '1 REGISTER', 'Contact': '<sip:a@10.0.0.1>' }); // a restarted
    await send({ 'Call-ID': 'boot-2', 'CSeq': '2 REGISTER', 'Contact': '<sip:a@10.0.0.1>', 'Expires': '0' }); // removal
    expect(reported).toEqual([
      [account.id, 'sip:a@10.0.0.1 boot-1'],
      [account.id, 'sip:b@10.0.0.1 boot-1'],
      [account.id, 'sip:a@10.0.0.1 boot-2'],
    ]);
  });

  it('uses the Contact expires param over the Expires header, and the default without either', async () => {
    const ok = await send({ 'CSeq': '1 REGISTER', 'Contact': '<sip:a@10.0.0.1>;expires=120, <sip:b@10.0.0.1>', 'Expires': '600' });
    expect(ok?.status).toBe(200);
    await send({ 'CSeq': '2 REGISTER', 'Contact': '<sip:c@10.0.0.1>' });
    const got = new Map(await contacts());
    expect(got.get('sip:a@10.0.0.1')).toBeGreaterThan(115);
    expect(got.get('sip:a@10.0.0.1')).toBeLessThanOrEqual(120);
    expect(got.get('sip:b@10.0.0.1')).toBeGreaterThan(595);
    expect(got.get('sip:c@10.0.0.1')).toBeGreaterThan(1795);
  });

  it('shortens an expiry above maxExpires to maxExpires', async () => {
    const ok = await send({ 'Contact': '<sip:a@10.0.0.1>', 'Expires': '86400' });
    expect(ok?.headers.Contact).toMatch(/^<sip:a@10\.0\.0\.1>;expires=(3600|3599)$/);
    expect((await contacts())[0]?.[1]).toBeLessThanOrEqual(3600);
  });

  it('refuses a too short expiry with 423 and Min-Expires, changing nothing; 0 is not too short', async () => {
    await send({ 'CSeq': '1 REGISTER', 'Contact': '<sip:a@10.0.0.1>' });
    const brief = await send({ 'CSeq': '2 REGISTER', 'Contact': '<sip:b@10.0.0.1>, <sip:a@10.0.0.1>;expires=0', 'Expires': '59' });
    expect(brief).toMatchObject({ status: 423, headers: { 'Min-Expires': '60' } });
    expect((await contacts()).map(([c]) => c)).toEqual(['sip:a@10.0.0.1']);
    const removed = await send({ 'CSeq': '3 REGISTER', 'Contact': '<sip:a@10.0.0.1>', 'Expires': '0' });
    expect(removed?.status).toBe(200);
    expect(await contacts()).toEqual([]);
  });

  it('Contact * needs Expires: 0 (else 400), and then removes every binding', async () => {
    await send({ 'CSeq': '1 REGISTER', 'Contact': '<sip:a@10.0.0.1>, <sip:b@10.0.0.1>' });
    expect((await send({ 'CSeq': '2 REGISTER', 'Contact': '*', 'Expires': '3600' }))?.status).toBe(400);
    expect((await send({ 'CSeq': '3 REGISTER', 'Contact': '*' }))?.status).toBe(400);
    expect(await contacts()).toHaveLength(2);
    const ok = await send({ 'CSeq': '4 REGISTER', 'Contact': '*', 'Expires': '0' });
    expect(ok?.status).toBe(200);
    expect(ok?.headers.Contact).toBeUndefined();
    expect(await contacts()).toEqual([]);
  });

  it('refuses an update with the same Call-ID and a CSeq not higher (§10.3 step 7)', async () => {
    await send({ 'CSeq': '5 REGISTER', 'Contact': '<sip:a@10.0.0.1>', 'Expires': '600' });
    for (const cseq of ['5', '4']) {
      const stale = await send({ 'CSeq': `${cseq} REGISTER`, 'Contact': '<sip:a@10.0.0.1>', 'Expires': '0' });
      expect(stale?.status).toBe(500);
    }
    expect(await contacts()).toHaveLength(1);
    // Another Call-ID (the phone rebooted) may have any CSeq.
    const reboot = await send({ 'Call-ID': 'call-2', 'CSeq': '1 REGISTER', 'Contact': '<sip:a@10.0.0.1>', 'Expires': '900' });
    expect(reboot?.status).toBe(200);
    const [binding] = await store.locations.list(account.id);
    expect(binding).toMatchObject({ callId: 'call-2', cseq: 1 });
  });

  it('stamps each accepted REGISTER as the phone\'s "last seen"; a refused one leaves it', async () => {
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    try {
      await send({ 'CSeq': '1 REGISTER', 'Contact': '<sip:a@10.0.0.1>', 'Expires': '600' });
      expect((await store.locations.list(account.id))[0]?.registeredAt).toBe(start);
      vi.setSystemTime(start + 30_000);
      expect((await send({ 'CSeq': '2 REGISTER', 'Contact': '<sip:a@10.0.0.1>', 'Expires': '600' }))?.status).toBe(200);
      expect((await store.locations.list(account.id))[0]?.registeredAt).toBe(start + 30_000);
      vi.setSystemTime(start + 60_000);
      expect((await send({ 'CSeq': '2 REGISTER', 'Contact': '<sip:a@10.0.0.1>', 'Expires': '600' }))?.status).toBe(500);
      expect((await store.locations.list(account.id))[0]?.registeredAt).toBe(start + 30_000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('without a Contact it only lists the current bindings (a query)', async () => {
    await send({ 'CSeq': '1 REGISTER', 'Contact': '<sip:a@10.0.0.1>', 'Expires': '600' });
    const query = await send({ 'CSeq': '2 REGISTER' });
    expect(query?.status).toBe(200);
    expect(query?.headers.Contact).toMatch(/^<sip:a@10\.0\.0\.1>;expires=(600|599)$/);
    expect(query?.headers.Date).toMatch(/GMT$/);
  });

  it('keeps the source, receiving transport, User-Agent and +sip.instance with the binding', async () => {
    await send({
      'Contact': '<sip:a@10.0.0.1;transport=udp>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000000000001>"',
      'User-Agent': 'Yealink SIP-T46S',
    }, { source: { address: '198.51.100.7', port: 40123 } });
    const [binding] = await store.locations.list(account.id);
    expect(binding).toMatchObject({
      contact: 'sip:a@10.0.0.1;transport=udp',
      source: { protocol: 'udp', host: '198.51.100.7', port: 40123 },
      userAgent: 'Yealink SIP-T46S',
      instance: '<urn:uuid:00000000-0000-1000-8000-000000000001>',
    });
  });

  it('answers 400 to a malformed Contact', async () => {
    expect((await send({ 'Contact': '<sip:a@10.0.0.1' }))?.status).toBe(400);
  });

  it('answers 403 to a blocked source without looking at its credentials', async () => {
    for (let i = 0; i < 11; i++) await throttle.recordFailure('192.0.2.10');
    expect((await send({ 'Contact': '<sip:a@10.0.0.1>' }))?.status).toBe(403);
    expect(await contacts()).toEqual([]);
    // Another source is not affected.
    expect((await send({ 'Contact': '<sip:a@10.0.0.1>' }, { source: { address: '192.0.2.11', port: 5060 } }))?.status).toBe(200);
  });

  it('drops a scanner without any response', async () => {
    expect(await send({ 'Contact': '<sip:a@10.0.0.1>', 'User-Agent': 'friendly-scanner' })).toBeUndefined();
    expect(await contacts()).toEqual([]);
  });

  it('answers 500 when the store fails, and does not throw', async () => {
    const broken: Store = { ...store, locations: { ...store.locations, list: () => Promise.reject(new Error('redis down')) } } as unknown as Store;
    register = createRegistrar({ store: broken, digest, throttle, logger: silentLogger() });
    expect((await send({ 'Contact': '<sip:a@10.0.0.1>' }))?.status).toBe(500);
  });

  it('passes any other method on to the next middleware', async () => {
    const { res, sent } = fakeResponse();
    let passedOn = false;
    await register({ ...fakeRequest({}), method: 'OPTIONS' } as unknown as Srf.SrfRequest, res, () => { passedOn = true; });
    expect(passedOn).toBe(true);
    expect(sent).toEqual([]);
  });
});
