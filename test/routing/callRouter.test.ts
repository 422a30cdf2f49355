/*
 * The call router's decisions that need no SIP traffic: scanners, challenges, stale nonces,
 * and a store failure in the middle of routing (which must not leak a channel). The SIP
 * behaviour end to end is in calls/trunk/limit.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { contactUri, createCallRouter, registrationProxy, trunkTarget } from '../../src/routing/callRouter.js';
import { accountKey } from '../../src/routing/ChannelLimit.js';
import { bestFailure } from '../../src/routing/forkCall.js';
import { DigestAuth, digestResponse } from '../../src/sip/digest.js';
import { AuthThrottle } from '../../src/sip/security.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';

const REALM = 'contactsuite.test';

async function setup(maxFailures = 10) {
  const store = new MemoryStore();
  const secrets = new SecretBox(randomBytes(32));
  const digest = new DigestAuth({ realm: REALM, secret: randomBytes(32), counters: store.counters, accounts: store.accounts, secrets });
  const throttle = new AuthThrottle({ counters: store.counters, maxFailures });
  const customer = await store.customers.create({ name: 'Bakkerij de Vries', status: 'active', creditLimitCents: 10_000 });
  const account = (username: string) =>
    store.accounts.create({ customerId: customer.id, username, displayName: username, passwordEnc: secrets.encrypt(`pw-${username}`), channelLimit: 2 });
  const alice = await account('201');
  const bob = await account('202');
  const router = createCallRouter({ store, digest, throttle, secrets, logger: silentLogger(), trunk: { uri: 'sip:127.0.0.1:5099' } });
  return { store, digest, router, alice, bob };
}

function credentials(digest: DigestAuth, username: string, password: string, nonce = digest.newNonce()): string {
  const uri = 'sip:127.0.0.1';
  const p = { username, realm: REALM, password, method: 'INVITE', uri, nonce, qop: 'auth', nc: '00000001', cnonce: 'c0ffee' };
  return `Digest username="${username}", realm="${REALM}", nonce="${nonce}", uri="${uri}", response="${digestResponse(p)}", qop=auth, nc=00000001, cnonce="c0ffee", algorithm=MD5`;
}

/** Just enough of an srf INVITE for the router. */
function invite(headers: Record<string, string>, to = '202'): { req: Srf.SrfRequest; res: Srf.SrfResponse; send: ReturnType<typeof vi.fn> } {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const req = Object.assign(new EventEmitter(), {
    method: 'INVITE',
    uri: `sip:${to}@127.0.0.1`,
    body: 'v=0\r\n',
    source_address: '127.0.0.1',
    get: (name: string) => lower[name.toLowerCase()],
    has: (name: string) => name.toLowerCase() in lower,
    getParsedHeader: (name: string) => (name.toLowerCase() === 'from' ? { uri: lower.from } : undefined),
  });
  const send = vi.fn();
  const res = { send, finalResponseSent: false };
  return { req: req as unknown as Srf.SrfRequest, res: res as unknown as Srf.SrfResponse, send };
}

describe('the call router', () => {
  it('does not answer a scanner at all', async () => {
    const { router } = await setup();
    const { req, res, send } = invite({ 'User-Agent': 'friendly-scanner', From: 'sip:100@1.2.3.4', 'Call-ID': 'x' });
    const next = vi.fn();

    await router(req, res, next);

    expect(send).not.toHaveBeenCalled();
    expect(next).not.toHaveBeenCalled();
  });

  it('challenges an INVITE without credentials with 407 and a Proxy-Authenticate', async () => {
    const { router } = await setup();
    const { req, res, send } = invite({ From: 'sip:201@127.0.0.1', 'Call-ID': 'x' });

    await router(req, res, () => undefined);

    expect(send).toHaveBeenCalledWith(407, { headers: { 'Proxy-Authenticate': expect.stringMatching(/^Digest realm="contactsuite\.test", nonce="/) } });
  });

  it('answers an expired nonce with stale=TRUE and does not count it as a failed login', async () => {
    // One failure would block the source (maxFailures 0): a stale nonce must not be one.
    const { router, digest } = await setup(0);
    const old = digest.newNonce(Date.now() - 3_600_000);
    const { req, res, send } = invite({ From: 'sip:201@127.0.0.1', 'Call-ID': 'x', 'Proxy-Authorization': credentials(digest, '201', 'pw-201', old) });

    await router(req, res, () => undefined);

    expect(send).toHaveBeenCalledWith(407, { headers: { 'Proxy-Authenticate': expect.stringMatching(/stale=TRUE$/) } });
  });

  it('answers 500 and frees both channels when the store fails in the middle of routing', async () => {
    const { router, digest, store, alice, bob } = await setup();
    store.locations.list = () => Promise.reject(new Error('redis went away'));
    const { req, res, send } = invite({ From: 'sip:201@127.0.0.1', 'Call-ID': 'x', 'Proxy-Authorization': credentials(digest, '201', 'pw-201') });

    await router(req, res, () => undefined);

    expect(send).toHaveBeenCalledWith(500);
    expect(await store.leases.count(accountKey(alice.id))).toBe(0);
    expect(await store.leases.count(accountKey(bob.id))).toBe(0);
  });
});

describe('routing helpers', () => {
  it('takes the URI out of a Contact value', () => {
    expect(contactUri('sip:201@10.0.0.5:5062')).toBe('sip:201@10.0.0.5:5062');
    expect(contactUri('"Desk" <sip:201@10.0.0.5:5062;transport=tcp>;expires=60')).toBe('sip:201@10.0.0.5:5062;transport=tcp');
  });

  it('sends to the registration source (the NAT address), over its transport', () => {
    const r = { accountId: 'a', contact: 'sip:201@192.168.1.20:5060', callId: 'c', cseq: 1, expiresAt: 0, registeredAt: 0 };
    expect(registrationProxy({ ...r, source: { protocol: 'udp', host: '203.0.113.7', port: 61000 } })).toBe('sip:203.0.113.7:61000;transport=udp');
    expect(registrationProxy({ ...r, source: { protocol: 'tcp', host: '2001:db8::1', port: 5060 } })).toBe('sip:[2001:db8::1]:5060;transport=tcp');
  });

  it('puts the number into the trunk URI', () => {
    expect(trunkTarget('sip:203.0.113.10:5060', '+31201234567')).toBe('sip:+31201234567@203.0.113.10:5060');
    expect(trunkTarget('sip:trunk@sbc.example.net;transport=tcp', '112')).toBe('sip:112@sbc.example.net;transport=tcp');
  });

  it.each([
    [[486, 480], 486],
    [[404, 600], 486],
    [[480, 404, 603], 404],
    [[487], 487],
    [[], 480],
  ])('picks %j → %i for the caller when every phone failed', (statuses, expected) => {
    expect(bestFailure(statuses)).toBe(expected);
  });
});
