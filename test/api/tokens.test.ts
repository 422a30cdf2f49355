import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLATFORM_TOKEN, startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('API tokens', () => {
  it('the platform creates a beheerder token: 32 random bytes, shown once, only its hash stored', async () => {
    const c = await api.call('POST', '/api/v1/customers', { token: PLATFORM_TOKEN, body: { name: 'A' } });
    const res = await api.call('POST', `/api/v1/customers/${c.body.id}/tokens`, {
      token: PLATFORM_TOKEN,
      body: { role: 'beheerder', label: 'Beheer A' },
    });
    expect(res.status).toBe(201);
    const token = res.body.token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(res.body).toMatchObject({ role: 'beheerder', customerId: c.body.id, label: 'Beheer A' });
    expect(res.body).not.toHaveProperty('hash');

    const [stored] = await api.store.tokens.list(c.body.id as string);
    expect(stored.hash).toBe(sha256(token));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect((await api.call('GET', `/api/v1/customers/${c.body.id}`, { token })).status).toBe(200);
  });

  it('lists tokens without hash or secret, and revokes them', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const { userToken } = await api.accountWithUser(customerId, adminToken, '201');
    const list = await api.call('GET', `/api/v1/customers/${customerId}/tokens`, { token: adminToken });
    expect(list.status).toBe(200);
    expect(list.items.map((t) => t.role).sort()).toEqual(['beheerder', 'gebruiker']);
    for (const t of list.items) {
      expect(t).not.toHaveProperty('hash');
      expect(t).not.toHaveProperty('token');
    }
    expect(list.raw).not.toContain(adminToken);
    expect(list.raw).not.toContain(userToken);
    for (const t of await api.store.tokens.list(customerId)) expect(list.raw).not.toContain(t.hash);

    const userTokenId = list.items.find((t) => t.role === 'gebruiker')!.id as string;
    const del = await api.call('DELETE', `/api/v1/customers/${customerId}/tokens/${userTokenId}`, { token: adminToken });
    expect(del.status).toBe(204);
    expect((await api.call('GET', `/api/v1/customers/${customerId}/accounts`, { token: userToken })).status).toBe(401);
    const again = await api.call('DELETE', `/api/v1/customers/${customerId}/tokens/${userTokenId}`, { token: adminToken });
    expect(again.status).toBe(404);
  });

  it('a beheerder creates gebruiker tokens for its own accounts only', async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    const mine = await api.accountWithUser(a.customerId, a.adminToken, '201');
    const theirs = await api.accountWithUser(b.customerId, b.adminToken, '301');

    const ok = await api.call('POST', `/api/v1/customers/${a.customerId}/tokens`, {
      token: a.adminToken,
      body: { role: 'gebruiker', accountId: mine.accountId, label: 'softphone' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ role: 'gebruiker', accountId: mine.accountId });

    const promote = await api.call('POST', `/api/v1/customers/${a.customerId}/tokens`, {
      token: a.adminToken,
      body: { role: 'beheerder', label: 'nog een beheerder' },
    });
    expect(promote.status).toBe(403);
    expect(promote.body.field).toBe('role');

    const foreignAccount = await api.call('POST', `/api/v1/customers/${a.customerId}/tokens`, {
      token: a.adminToken,
      body: { role: 'gebruiker', accountId: theirs.accountId, label: 'kaping' },
    });
    expect(foreignAccount.status).toBe(400);
    expect(foreignAccount.body.issues).toEqual([{ path: 'accountId', message: expect.any(String) }]);

    const foreignCustomer = await api.call('POST', `/api/v1/customers/${b.customerId}/tokens`, {
      token: a.adminToken,
      body: { role: 'gebruiker', accountId: theirs.accountId, label: 'kaping' },
    });
    expect(foreignCustomer.status).toBe(404);
    expect((await api.call('GET', `/api/v1/customers/${b.customerId}/tokens`, { token: a.adminToken })).status).toBe(404);
    const bTokenId = (await api.store.tokens.list(b.customerId))[0].id;
    expect((await api.call('DELETE', `/api/v1/customers/${b.customerId}/tokens/${bTokenId}`, { token: a.adminToken })).status).toBe(404);
    expect((await api.call('DELETE', `/api/v1/customers/${a.customerId}/tokens/${bTokenId}`, { token: a.adminToken })).status).toBe(404);
    expect(await api.store.tokens.list(b.customerId)).toHaveLength(2);
  });

  it('a gebruiker may not create, list or revoke tokens (403)', async () => {
    const a = await api.customerWithAdmin('A');
    const me = await api.accountWithUser(a.customerId, a.adminToken, '201');
    const create = await api.call('POST', `/api/v1/customers/${a.customerId}/tokens`, {
      token: me.userToken,
      body: { role: 'gebruiker', accountId: me.accountId, label: 'extra' },
    });
    expect(create.status).toBe(403);
    expect((await api.call('GET', `/api/v1/customers/${a.customerId}/tokens`, { token: me.userToken })).status).toBe(403);
    const anyId = (await api.store.tokens.list(a.customerId))[0].id;
    expect((await api.call('DELETE', `/api/v1/customers/${a.customerId}/tokens/${anyId}`, { token: me.userToken })).status).toBe(403);
  });

  it('validates the token body with field paths', async () => {
    const { customerId } = await api.customerWithAdmin('A');
    const url = `/api/v1/customers/${customerId}/tokens`;
    const noAccount = await api.call('POST', url, { token: PLATFORM_TOKEN, body: { role: 'gebruiker', label: 'x' } });
    expect(noAccount.status).toBe(400);
    expect(noAccount.body.issues).toEqual([{ path: 'accountId', message: expect.any(String) }]);
    const badRole = await api.call('POST', url, { token: PLATFORM_TOKEN, body: { role: 'platform', label: '' } });
    expect(badRole.status).toBe(400);
    expect((badRole.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual(['label', 'role']);
  });
});
