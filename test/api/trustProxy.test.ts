import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { buildHttpServer } from '../../src/http/server.js';
import type { TrustProxy } from '../../src/http/trustProxy.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { freePort } from '../support/ports.js';

/**
 * TRUST_PROXY: behind a reverse proxy every sign-in comes from the proxy's address. With the
 * proxy trusted, X-Forwarded-For decides which address the sign-in brake counts, so one guesser
 * is blocked and everyone else still gets in; off (or another proxy), the header is ignored and
 * a guesser cannot dodge the brake by sending a new address each time.
 */

const PLATFORM_TOKEN = 'platform-token-for-trust-proxy-tests-0123';
const PASSWORD = 'zomer-brood-2026!';
// Three failures from one address block it (the default is 20; the rule is the same).
const MAX_PER_ADDRESS = 3;

let app: FastifyInstance | undefined;
let store: MemoryStore | undefined;
afterEach(async () => {
  await app?.close();
  await store?.close();
  app = undefined;
  store = undefined;
});

/** The real HTTP server on 127.0.0.1 (the "proxy" is this test, connecting from loopback). */
async function serve(trustProxy: TrustProxy | undefined): Promise<string> {
  store = new MemoryStore();
  app = buildHttpServer({
    isEngineConnected: () => true,
    store,
    logger: silentLogger(),
    ...(trustProxy === undefined ? {} : { trustProxy }),
    api: {
      store,
      secrets: new SecretBox(randomBytes(32)),
      platformToken: PLATFORM_TOKEN,
      logger: silentLogger(),
      sip: { domain: 'sip.test.invalid', port: 5060 },
      signIn: { sessionMinutes: 60, throttle: { maxPerAddress: MAX_PER_ADDRESS, maxPerUsername: 100 } },
    },
  });
  const port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
  const base = `http://127.0.0.1:${port}/api/v1`;
  const customer = (await (await fetch(`${base}/customers`, { method: 'POST', headers: { authorization: `Bearer ${PLATFORM_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bakkerij De Vries' }) })).json()) as { id: string };
  const made = await fetch(`${base}/customers/${customer.id}/web-logins`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PLATFORM_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'anna@bakkerij.nl', role: 'beheerder', password: PASSWORD }),
  });
  expect(made.status).toBe(201);
  return base;
}

/** A sign-in as the proxy forwards it: the client's address in X-Forwarded-For. Answers the status. */
async function signIn(base: string, username: string, password: string, forwardedFor: string): Promise<number> {
  const res = await fetch(`${base}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ username, password }),
  });
  await res.text();
  return res.status;
}

/** A guesser at one address (or at a new address each time) tries wrong passwords until the address brake holds. */
async function guess(base: string, addresses: (i: number) => string): Promise<void> {
  for (let i = 0; i < MAX_PER_ADDRESS; i++) {
    // Other usernames each time: only the address brake can stop this guesser.
    const status = await signIn(base, `guess-${i}@bakkerij.nl`, 'wrong-password-1', addresses(i));
    expect(status === 401 || status === 429).toBe(true);
  }
}

describe('sign-in brakes behind a reverse proxy', () => {
  for (const [name, trustProxy] of [
    ['loopback by name', ['loopback']],
    ['the proxy by address', ['127.0.0.1']],
    ['the proxy by network', ['10.0.0.0/8', '127.0.0.0/8']],
  ] as [string, TrustProxy][]) {
    it(`with the proxy trusted (${name}), the forwarded address is blocked and another client still signs in`, async () => {
      const base = await serve(trustProxy);
      await guess(base, () => '203.0.113.7');
      expect(await signIn(base, 'anna@bakkerij.nl', PASSWORD, '203.0.113.7')).toBe(429);
      expect(await signIn(base, 'anna@bakkerij.nl', PASSWORD, '198.51.100.9')).toBe(201);
      // A client that adds its own X-Forwarded-For entry in front is still counted under the address the proxy saw.
      expect(await signIn(base, 'anna@bakkerij.nl', PASSWORD, '198.51.100.10, 203.0.113.7')).toBe(429);
    });
  }

  for (const [name, trustProxy] of [
    ['off (the default)', undefined],
    ['off', false],
    ['another proxy only', ['10.0.0.5']],
  ] as [string, TrustProxy | undefined][]) {
    it(`with TRUST_PROXY ${name}, a guesser sending a new X-Forwarded-For each time is still blocked`, async () => {
      const base = await serve(trustProxy);
      await guess(base, (i) => `203.0.113.${10 + i}`);
      // Everyone is counted as the connecting address (127.0.0.1): the header changed nothing.
      expect(await signIn(base, 'anna@bakkerij.nl', PASSWORD, '198.51.100.9')).toBe(429);
    });
  }
});

describe('TRUST_PROXY in the configuration', () => {
  const cases: [string | undefined, TrustProxy][] = [
    [undefined, false],
    ['off', false],
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.5, 192.168.0.0/16', ['10.0.0.5', '192.168.0.0/16']],
    ['loopback,uniquelocal,fd00::/8', ['loopback', 'uniquelocal', 'fd00::/8']],
  ];
  for (const [value, expected] of cases) {
    it(`reads ${JSON.stringify(value)} as ${JSON.stringify(expected)}`, () => {
      expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustProxy).toEqual(expected);
    });
  }

  for (const value of ['on', 'true', '1', '2', '10.0.0.0/33', 'proxy.example.nl', '10.0.0.5,', '::1/129', '1.2.3.4/8/8']) {
    it(`refuses ${JSON.stringify(value)}, naming the variable and what is allowed`, () => {
      let problems: string[] = [];
      try {
        loadConfig({ TRUST_PROXY: value });
      } catch (err) {
        problems = err instanceof ConfigError ? err.problems : [];
      }
      expect(problems).toEqual([`TRUST_PROXY=${JSON.stringify(value)}: expected off, or a comma list of the proxies' addresses/CIDRs (e.g. 10.0.0.5,192.168.0.0/16; also loopback, linklocal, uniquelocal); not a hop count, which fastify ignores`]);
    });
  }
});
