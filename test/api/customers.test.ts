import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLATFORM_TOKEN, startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

describe('customers with the platform token', () => {
  it('creates a customer with status active and a EUR 100 credit limit by default', async () => {
    const res = await api.call('POST', '/api/v1/customers', { token: PLATFORM_TOKEN, body: { name: 'Bakkerij Jansen' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Bakkerij Jansen', status: 'active', creditLimitCents: 10_000 });
    expect(typeof res.body.id).toBe('string');
    expect(await api.store.customers.get(res.body.id as string)).toMatchObject({ name: 'Bakkerij Jansen' });
  });

  it('lists, reads, changes and deletes customers', async () => {
    const a = await api.call('POST', '/api/v1/customers', { token: PLATFORM_TOKEN, body: { name: 'A' } });
    const b = await api.call('POST', '/api/v1/customers', {
      token: PLATFORM_TOKEN,
      body: { name: 'B', status: 'suspended', creditLimitCents: 500 },
    });
    const list = await api.call('GET', '/api/v1/customers', { token: PLATFORM_TOKEN });
    expect(list.status).toBe(200);
    expect(list.items.map((c) => c.name).sort()).toEqual(['A', 'B']);

    const read = await api.call('GET', `/api/v1/customers/${b.body.id}`, { token: PLATFORM_TOKEN });
    expect(read.body).toMatchObject({ id: b.body.id, status: 'suspended', creditLimitCents: 500 });

    const patched = await api.call('PATCH', `/api/v1/customers/${a.body.id}`, {
      token: PLATFORM_TOKEN,
      body: { status: 'suspended', creditLimitCents: 2500 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'A', status: 'suspended', creditLimitCents: 2500 });

    const del = await api.call('DELETE', `/api/v1/customers/${a.body.id}`, { token: PLATFORM_TOKEN });
    expect(del.status).toBe(204);
    expect(del.raw).toBe('');
    expect((await api.call('GET', `/api/v1/customers/${a.body.id}`, { token: PLATFORM_TOKEN })).status).toBe(404);
    expect(await api.store.customers.get(a.body.id as string)).toBeUndefined();
  });

  it('answers 404 not_found for unknown customer ids on every route', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await api.call(method, '/api/v1/customers/no-such-customer', {
        token: PLATFORM_TOKEN,
        ...(method === 'PATCH' ? { body: { name: 'x' } } : {}),
      });
      expect(res.status, method).toBe(404);
      expect(res.body).toEqual({ error: 'not_found' });
    }
  });

  it('rejects invalid bodies with 400 and the dotted path of every bad field', async () => {
    const res = await api.call('POST', '/api/v1/customers', {
      token: PLATFORM_TOKEN,
      body: { name: '', status: 'closed', creditLimitCents: -1, colour: 'blue' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation');
    const paths = (res.body.issues as { path: string; message: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual(['colour', 'creditLimitCents', 'name', 'status']);

    const patch = await api.call('PATCH', `/api/v1/customers/whatever`, { token: PLATFORM_TOKEN, body: { creditLimitCents: 1.5 } });
    expect(patch.status).toBe(400);
    expect(patch.body.issues).toEqual([{ path: 'creditLimitCents', message: expect.any(String) }]);
  });

  it('deleting a customer revokes its tokens', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('Weg BV');
    expect((await api.call('GET', `/api/v1/customers/${customerId}`, { token: adminToken })).status).toBe(200);
    expect((await api.call('DELETE', `/api/v1/customers/${customerId}`, { token: PLATFORM_TOKEN })).status).toBe(204);
    expect(await api.store.tokens.list(customerId)).toEqual([]);
    expect((await api.call('GET', '/api/v1/customers', { token: adminToken })).status).toBe(401);
  });
});

describe('customers seen by a beheerder', () => {
  it('sees and renames its own customer only; another customer is invisible (404)', async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');

    const list = await api.call('GET', '/api/v1/customers', { token: a.adminToken });
    expect(list.items.map((c) => c.id)).toEqual([a.customerId]);

    expect((await api.call('GET', `/api/v1/customers/${a.customerId}`, { token: a.adminToken })).status).toBe(200);
    const renamed = await api.call('PATCH', `/api/v1/customers/${a.customerId}`, { token: a.adminToken, body: { name: 'A nieuw' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('A nieuw');

    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await api.call(method, `/api/v1/customers/${b.customerId}`, {
        token: a.adminToken,
        ...(method === 'PATCH' ? { body: { name: 'overgenomen' } } : {}),
      });
      expect(res.status, method).toBe(404);
      expect(res.body).toEqual({ error: 'not_found' });
    }
    expect((await api.store.customers.get(b.customerId))?.name).toBe('B');
  });

  it('may not change status or credit limit, create or delete customers (403)', async () => {
    const a = await api.customerWithAdmin('A');
    const status = await api.call('PATCH', `/api/v1/customers/${a.customerId}`, { token: a.adminToken, body: { status: 'active' } });
    expect(status.status).toBe(403);
    expect(status.body).toMatchObject({ error: 'forbidden', field: 'status' });
    const credit = await api.call('PATCH', `/api/v1/customers/${a.customerId}`, {
      token: a.adminToken,
      body: { creditLimitCents: 1_000_000 },
    });
    expect(credit.status).toBe(403);
    expect(credit.body.field).toBe('creditLimitCents');
    expect((await api.store.customers.get(a.customerId))?.creditLimitCents).toBe(10_000);

    expect((await api.call('POST', '/api/v1/customers', { token: a.adminToken, body: { name: 'C' } })).status).toBe(403);
    expect((await api.call('DELETE', `/api/v1/customers/${a.customerId}`, { token: a.adminToken })).status).toBe(403);
    expect(await api.store.customers.get(a.customerId)).toBeDefined();
  });

  it('a gebruiker may not read its customer (403) nor list customers', async () => {
    const a = await api.customerWithAdmin('A');
    const u = await api.accountWithUser(a.customerId, a.adminToken, '201');
    expect((await api.call('GET', `/api/v1/customers/${a.customerId}`, { token: u.userToken })).status).toBe(403);
    expect((await api.call('GET', '/api/v1/customers', { token: u.userToken })).status).toBe(403);
    expect((await api.call('PATCH', `/api/v1/customers/${a.customerId}`, { token: u.userToken, body: { name: 'x' } })).status).toBe(
      403,
    );
  });
});
