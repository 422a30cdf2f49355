import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthHeader } from '../../src/sip/digest.js';
import { describeRun } from '../support/sipp.js';
import { responsesReceived, startRegistrarRig, tracedMessages, type RegistrarRig } from './rig.js';

let rig: RegistrarRig;
beforeAll(async () => {
  rig = await startRegistrarRig();
});
afterAll(async () => {
  await rig?.stop();
});

/** The expires=N of each Contact in a 200, keyed by URI. */
function contactExpires(value: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of (value ?? '').matchAll(/<([^>]+)>;expires=(\d+)/g)) out.set(m[1] ?? '', Number(m[2]));
  return out;
}

describe('registering', () => {
  it('a phone registers: 401 with a digest challenge, then 200 listing its Contact with expires', async () => {
    const { store, alice } = await rig.reset();
    const r = await rig.phone('register', { user: alice.username, password: alice.password, vars: { expected: '200', expires: '600' } });
    expect(r.successful, describeRun(r)).toBe(1);

    const [challenge, ok] = responsesReceived(r);
    expect(challenge?.status).toBe(401);
    const params = parseAuthHeader(challenge?.header('WWW-Authenticate') ?? '')?.params;
    expect(params?.get('realm')).toBe('contactsuite.test');
    expect(params?.get('qop')).toBe('auth');
    expect(params?.get('algorithm')).toBe('MD5');
    expect(ok?.status).toBe(200);
    expect(ok?.header('Date')).toMatch(/GMT$/);
    const uri = `sip:1001@127.0.0.1:${r.port}`;
    const expires = contactExpires(ok?.header('Contact')).get(uri);
    expect(expires).toBeGreaterThan(590);
    expect(expires).toBeLessThanOrEqual(600);

    const bindings = await store.locations.list(alice.account.id);
    expect(bindings).toHaveLength(1);
    expect(bindings[0]).toMatchObject({
      accountId: alice.account.id,
      contact: uri,
      source: { protocol: 'udp', host: '127.0.0.1', port: r.port },
      cseq: 2,
      userAgent: 'sipp-phone',
    });
    expect(bindings[0]?.expiresAt).toBeGreaterThan(Date.now() + 590_000);
  });

  it('behind NAT the binding keeps the packet source, not the private Contact address', async () => {
    const { store, alice } = await rig.reset();
    const r = await rig.phone('register', {
      user: alice.username, password: alice.password,
      vars: { expected: '200', expires: '3600', contact: '<sip:1001@10.0.0.5:5062;transport=udp>' },
    });
    expect(r.successful, describeRun(r)).toBe(1);
    const [binding] = await store.locations.list(alice.account.id);
    expect(binding?.contact).toBe('sip:1001@10.0.0.5:5062;transport=udp');
    expect(binding?.source).toEqual({ protocol: 'udp', host: '127.0.0.1', port: r.port });
  });

  it('two phones on one account both stay registered, and the 200 lists both', async () => {
    const { store, alice } = await rig.reset();
    const first = await rig.phone('register', { user: alice.username, password: alice.password, vars: { expected: '200', expires: '3600' } });
    const second = await rig.phone('register', { user: alice.username, password: alice.password, vars: { expected: '200', expires: '1800' } });
    expect(first.successful, describeRun(first)).toBe(1);
    expect(second.successful, describeRun(second)).toBe(1);

    const listed = contactExpires(responsesReceived(second).at(-1)?.header('Contact'));
    expect([...listed.keys()].sort()).toEqual([`sip:1001@127.0.0.1:${first.port}`, `sip:1001@127.0.0.1:${second.port}`].sort());
    const bindings = await store.locations.list(alice.account.id);
    expect(bindings.map((b) => b.source.port).sort()).toEqual([first.port, second.port].sort());
  });

  it('a refresh in the same Call-ID keeps one binding with the new expiry', async () => {
    const { store, alice } = await rig.reset();
    const r = await rig.phone('register-again', {
      user: alice.username, password: alice.password, extra: ['-d', '200'],
      vars: { expires: '600', expires2: '1200' },
    });
    expect(r.successful, describeRun(r)).toBe(1);
    // The refresh reuses the nonce with the next nonce-count, and that is accepted.
    expect(responsesReceived(r).map((m) => m.status)).toEqual([401, 200, 200]);
    const refresh = tracedMessages(r.messages).filter((m) => m.direction === 'sent').at(-1);
    expect(refresh?.header('Authorization')).toMatch(/nc=00000002/);
    const bindings = await store.locations.list(alice.account.id);
    expect(bindings).toHaveLength(1);
    expect(bindings[0]?.cseq).toBe(3);
    expect(bindings[0]?.expiresAt).toBeGreaterThan(Date.now() + 1_190_000);
    const last = responsesReceived(r).at(-1);
    expect(last?.status).toBe(200);
    expect(contactExpires(last?.header('Contact')).get(`sip:1001@127.0.0.1:${r.port}`)).toBeGreaterThan(1190);
  });

  it('a Contact expires param below Min-Expires gets 423 Interval Too Brief with Min-Expires', async () => {
    const { store, alice } = await rig.reset();
    const r = await rig.phone('register', { user: alice.username, password: alice.password, vars: { expected: '423', expires: '30' } });
    expect(r.successful, describeRun(r)).toBe(1);
    expect(responsesReceived(r).at(-1)?.header('Min-Expires')).toBe('60');
    expect(await store.locations.list(alice.account.id)).toEqual([]);
  });

  it('a binding with a short expiry disappears from the store when it expires', async () => {
    const { store, alice } = await rig.reset({ minExpires: 1 });
    const r = await rig.phone('register', { user: alice.username, password: alice.password, vars: { expected: '200', expires: '2' } });
    expect(r.successful, describeRun(r)).toBe(1);
    expect(await store.locations.list(alice.account.id)).toHaveLength(1);
    let left = 1;
    for (let i = 0; i < 50 && left > 0; i++) {
      await sleep(100);
      left = (await store.locations.list(alice.account.id)).length;
    }
    expect(left).toBe(0);
  });
});

describe('unregistering', () => {
  it('Expires: 0 removes that binding and leaves the other phone registered', async () => {
    const { store, alice } = await rig.reset();
    const other = await rig.phone('register', { user: alice.username, password: alice.password, vars: { expected: '200', expires: '3600' } });
    expect(other.successful, describeRun(other)).toBe(1);
    const r = await rig.startPhone('register-again', {
      user: alice.username, password: alice.password, extra: ['-d', '200'],
      vars: { expires: '3600', expires2: '0' },
    });
    const done = await r.done;
    expect(done.successful, describeRun(done)).toBe(1);
    const bindings = await store.locations.list(alice.account.id);
    expect(bindings.map((b) => b.contact)).toEqual([`sip:1001@127.0.0.1:${other.port}`]);
    const listed = contactExpires(responsesReceived(done).at(-1)?.header('Contact'));
    expect([...listed.keys()]).toEqual([`sip:1001@127.0.0.1:${other.port}`]);
  });

  it('Contact: * with Expires: 0 removes every binding of the account', async () => {
    const { store, alice } = await rig.reset();
    const other = await rig.phone('register', { user: alice.username, password: alice.password, vars: { expected: '200', expires: '3600' } });
    expect(other.successful, describeRun(other)).toBe(1);
    const r = await rig.phone('register-again', {
      user: alice.username, password: alice.password, extra: ['-d', '200'],
      vars: { expires: '3600', contact2: '*', expires2: '0' },
    });
    expect(r.successful, describeRun(r)).toBe(1);
    expect(await store.locations.list(alice.account.id)).toEqual([]);
    const last = responsesReceived(r).at(-1);
    expect(last?.status).toBe(200);
    expect(last?.header('Contact')).toBeUndefined();
  });
});

describe('digest nonces', () => {
  it('a REGISTER on an expired nonce gets 401 stale=TRUE and succeeds on the fresh nonce', async () => {
    const { store, alice } = await rig.reset({ nonceTtlMs: 1_000 });
    const r = await rig.phone('register-again', {
      user: alice.username, password: alice.password, extra: ['-d', '1500'],
      vars: { expires: '3600', expires2: '3600' },
    });
    expect(r.successful, describeRun(r)).toBe(1);
    const statuses = responsesReceived(r).map((m) => m.status);
    expect(statuses).toEqual([401, 200, 401, 200]);
    const staleChallenge = responsesReceived(r)[2]?.header('WWW-Authenticate') ?? '';
    expect(parseAuthHeader(staleChallenge)?.params.get('stale')).toBe('TRUE');
    expect(parseAuthHeader(responsesReceived(r)[0]?.header('WWW-Authenticate') ?? '')?.params.has('stale')).toBe(false);
    const [binding] = await store.locations.list(alice.account.id);
    expect(binding?.cseq).toBe(4);
  });
});

describe('security', () => {
  it('a wrong password gets 401 every time and registers nothing', async () => {
    const { store, alice } = await rig.reset();
    const r = await rig.phone('wrong-password', { user: alice.username, password: 'raden' });
    expect(r.successful, describeRun(r)).toBe(1);
    expect(responsesReceived(r).map((m) => m.status)).toEqual([401, 401, 401]);
    expect(await store.locations.list(alice.account.id)).toEqual([]);
  });

  it('an unknown user gets exactly the response a wrong password gets', async () => {
    const { alice } = await rig.reset();
    const unknown = await rig.phone('register', { user: '7777', password: 'raden', vars: { expected: '401', expires: '3600' } });
    const wrong = await rig.phone('register', { user: alice.username, password: 'raden', vars: { expected: '401', expires: '3600' } });
    expect(unknown.successful, describeRun(unknown)).toBe(1);
    expect(wrong.successful, describeRun(wrong)).toBe(1);
    const a = responsesReceived(unknown).at(-1);
    const b = responsesReceived(wrong).at(-1);
    expect(a?.firstLine).toBe(b?.firstLine);
    expect(a?.headerNames).toEqual(b?.headerNames);
    const shape = (v: string | undefined): string[] => [...(parseAuthHeader(v ?? '')?.params.keys() ?? [])];
    expect(shape(a?.header('WWW-Authenticate'))).toEqual(shape(b?.header('WWW-Authenticate')));
  });

  it('blocks a source after 10 failed passwords: the 11th gets 403, and so does the right password', async () => {
    const { store, alice } = await rig.reset();
    const tries = await rig.phone('register', {
      user: alice.username, password: 'raden', calls: 10, extra: ['-l', '1'],
      vars: { expected: '401', expires: '3600' },
    });
    expect(tries.successful, describeRun(tries)).toBe(10);
    const eleventh = await rig.phone('register', { user: alice.username, password: 'raden', vars: { expected: '403', expires: '3600' } });
    expect(eleventh.successful, describeRun(eleventh)).toBe(1);

    // Blocked: the right password gets 403 before any challenge.
    const right = await rig.phone('register', { user: alice.username, password: alice.password, vars: { expected: '403', expires: '3600' } });
    expect(right.successful, describeRun(right)).toBe(1);
    expect(responsesReceived(right).map((m) => m.status)).toEqual([403]);
    expect(await store.locations.list(alice.account.id)).toEqual([]);
  });

  it('a scanner User-Agent gets no answer at all', async () => {
    const { store, alice } = await rig.reset();
    const r = await rig.phone('scanner', { user: alice.username, password: alice.password });
    expect(r.successful, describeRun(r)).toBe(1);
    expect(tracedMessages(r.messages).filter((m) => m.direction === 'received')).toEqual([]);
    expect(await store.locations.list(alice.account.id)).toEqual([]);
  });

  it("credentials of one account cannot register another account's address (403)", async () => {
    const { store, alice, bob } = await rig.reset();
    const r = await rig.phone('register', { service: bob.username, user: alice.username, password: alice.password, vars: { expected: '403', expires: '3600' } });
    expect(r.successful, describeRun(r)).toBe(1);
    expect(await store.locations.list(bob.account.id)).toEqual([]);
    expect(await store.locations.list(alice.account.id)).toEqual([]);
  });

  it('an account of a suspended customer cannot register (403)', async () => {
    const { store, suspended } = await rig.reset();
    const r = await rig.phone('register', { user: suspended.username, password: suspended.password, vars: { expected: '403', expires: '3600' } });
    expect(r.successful, describeRun(r)).toBe(1);
    expect(await store.locations.list(suspended.account.id)).toEqual([]);
  });
});
