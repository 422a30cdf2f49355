import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiPlugin } from '../../src/api/apiPlugin.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { PLATFORM_TOKEN, startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

describe('bearer authentication', () => {
  it('a request without a token gets 401 with a Bearer challenge', async () => {
    const res = await api.call('GET', '/api/v1/customers');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="contactsuite"');
    expect(res.body.error).toBe('unauthorized');
  });

  it('an unknown, malformed or near-miss token gets 401 invalid_token', async () => {
    const near = PLATFORM_TOKEN.slice(0, -1) + (PLATFORM_TOKEN.endsWith('f') ? 'e' : 'f');
    for (const header of [`Bearer ${near}`, `Bearer ${randomBytes(32).toString('base64url')}`, 'Basic dXNlcjpwdw==', 'Bearer']) {
      const res = await api.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: header } });
      expect(res.statusCode, header).toBe(401);
      expect(res.headers['www-authenticate'], header).toBe('Bearer realm="contactsuite", error="invalid_token"');
    }
  });

  it('authenticates before validating: a bad body without a token is 401, not 400', async () => {
    const res = await api.call('POST', '/api/v1/customers', { body: { name: 42 } });
    expect(res.status).toBe(401);
  });

  it('without ADMIN_TOKEN configured there is no platform access at all', async () => {
    const store = new MemoryStore();
    const app = Fastify({ loggerInstance: silentLogger() });
    await app.register(
      apiPlugin({ store, secrets: new SecretBox(randomBytes(32)), logger: silentLogger(), sip: { domain: 'x', port: 5060 } }),
      { prefix: '/api/v1' },
    );
    for (const token of ['undefined', '']) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(401);
    }
    await app.close();
    await store.close();
  });

  it('unknown API routes answer 404 not_found in JSON', async () => {
    const res = await api.call('GET', '/api/v1/nothing-here', { token: PLATFORM_TOKEN });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found' });
  });
});
