import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLATFORM_TOKEN, startApi, type ApiHarness, type Body } from './harness.js';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

const issuePaths = (body: Body): string[] => (body.issues as { path: string }[]).map((i) => i.path).sort();

describe('accounts: create, read, change, delete', () => {
  it('creates an account with a generated password, shown once, stored encrypted', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('Kapsalon Knip');
    const res = await api.call('POST', `/api/v1/customers/${customerId}/accounts`, {
      token: adminToken,
      body: { username: 'knip.201', displayName: 'Balie' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      customerId,
      username: 'knip.201',
      displayName: 'Balie',
      channelLimit: 2,
      sip: { domain: 'sip.test.invalid', port: 5060 },
    });
    const password = res.body.password as string;
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(res.body).not.toHaveProperty('passwordEnc');

    const stored = await api.store.accounts.get(res.body.id as string);
    expect(stored?.passwordEnc.startsWith('v1:')).toBe(true);
    expect(stored?.passwordEnc).not.toContain(password);
    expect(api.secrets.decrypt(stored!.passwordEnc)).toBe(password);
  });

  it('keeps a given password and never returns it from GET, list or PATCH', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const password = 'Geheim-wachtwoord-42';
    const created = await api.call('POST', `/api/v1/customers/${customerId}/accounts`, {
      token: adminToken,
      body: { username: '202', password, channelLimit: 4, deviceModel: 'Yealink T54W' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ password, channelLimit: 4, deviceModel: 'Yealink T54W', displayName: '202' });
    const id = created.body.id as string;
    expect(api.secrets.decrypt((await api.store.accounts.get(id))!.passwordEnc)).toBe(password);

    const read = await api.call('GET', `/api/v1/accounts/${id}`, { token: adminToken });
    const list = await api.call('GET', `/api/v1/customers/${customerId}/accounts`, { token: adminToken });
    const patched = await api.call('PATCH', `/api/v1/accounts/${id}`, { token: adminToken, body: { displayName: 'Magazijn' } });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, username: '202', channelLimit: 4 });
    expect(list.items.map((a) => a.id)).toEqual([id]);
    expect(patched.body.displayName).toBe('Magazijn');
    for (const res of [read, list, patched]) {
      expect(res.raw).not.toContain(password);
      expect(res.raw).not.toContain('password');
      expect(res.raw).not.toContain('v1:');
    }
  });

  it('changes username, channel limit and device, and unbinds the device with null', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const { accountId } = await api.accountWithUser(customerId, adminToken, '203');
    const res = await api.call('PATCH', `/api/v1/accounts/${accountId}`, {
      token: adminToken,
      body: { username: 'a-203', channelLimit: 30, deviceModel: 'Snom D785' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: 'a-203', channelLimit: 30, deviceModel: 'Snom D785' });
    expect((await api.store.accounts.getByUsername('a-203'))?.id).toBe(accountId);

    const unbound = await api.call('PATCH', `/api/v1/accounts/${accountId}`, { token: adminToken, body: { deviceModel: null } });
    expect(unbound.status).toBe(200);
    expect(unbound.body).not.toHaveProperty('deviceModel');
    expect((await api.store.accounts.get(accountId))?.deviceModel).toBeUndefined();
  });

  it('resets the password to a new generated one, shown only in that response', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const { accountId, password } = await api.accountWithUser(customerId, adminToken, '204');
    const res = await api.call('POST', `/api/v1/accounts/${accountId}/password`, { token: adminToken });
    expect(res.status).toBe(201);
    const fresh = res.body.password as string;
    expect(fresh.length).toBeGreaterThanOrEqual(16);
    expect(fresh).not.toBe(password);
    expect(api.secrets.decrypt((await api.store.accounts.get(accountId))!.passwordEnc)).toBe(fresh);
  });

  it('deletes an account, and its gebruiker token stops working', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const { accountId, userToken } = await api.accountWithUser(customerId, adminToken, '205');
    expect((await api.call('DELETE', `/api/v1/accounts/${accountId}`, { token: adminToken })).status).toBe(204);
    expect((await api.call('GET', `/api/v1/accounts/${accountId}`, { token: adminToken })).status).toBe(404);
    expect(await api.store.accounts.get(accountId)).toBeUndefined();
    expect((await api.call('GET', `/api/v1/accounts/${accountId}`, { token: userToken })).status).toBe(401);
  });

  it('the platform token manages any customer’s accounts', async () => {
    const { customerId } = await api.customerWithAdmin('A');
    const res = await api.call('POST', `/api/v1/customers/${customerId}/accounts`, { token: PLATFORM_TOKEN, body: { username: '206' } });
    expect(res.status).toBe(201);
    expect((await api.call('GET', `/api/v1/accounts/${res.body.id}`, { token: PLATFORM_TOKEN })).status).toBe(200);
  });
});

describe('accounts: invalid input and unknown ids', () => {
  it('answers 400 with the path of each bad field', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const url = `/api/v1/customers/${customerId}/accounts`;
    const cases: [unknown, string[]][] = [
      [{ username: 'a b' }, ['username']],
      [{ username: 'ab' }, ['username']],
      [{ username: 'x'.repeat(33) }, ['username']],
      [{ username: 'sip:201@x' }, ['username']],
      [{ username: '201', password: 'kort' }, ['password']],
      [{ username: '201', channelLimit: 31 }, ['channelLimit']],
      [{ username: '201', channelLimit: 0 }, ['channelLimit']],
      [{ username: '201', channelLimit: '2' }, ['channelLimit']],
      [{ username: '201', displayName: 42, deviceModel: '' }, ['deviceModel', 'displayName']],
      [{ channelLimit: 2.5, extension: '201' }, ['channelLimit', 'extension', 'username']],
      [[], ['']],
    ];
    for (const [body, paths] of cases) {
      const res = await api.call('POST', url, { token: adminToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('validation');
      expect(issuePaths(res.body), JSON.stringify(body)).toEqual(paths);
    }
    expect(await api.store.accounts.list(customerId)).toEqual([]);

    const { accountId } = await api.accountWithUser(customerId, adminToken, '207');
    const patch = await api.call('PATCH', `/api/v1/accounts/${accountId}`, { token: adminToken, body: { password: 'short' } });
    expect(patch.status).toBe(400);
    expect(issuePaths(patch.body)).toEqual(['password']);
    expect(patch.raw).not.toContain('short');
  });

  it('answers 400, not 500, to malformed JSON, and does not echo the body', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const res = await api.app.inject({
      method: 'POST',
      url: `/api/v1/customers/${customerId}/accounts`,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      payload: '{"username":"208","password":"Lekker-geheim-99",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'bad_request' });
    expect(res.payload).not.toContain('Lekker-geheim-99');
    expect(api.logText()).not.toContain('Lekker-geheim-99');
  });

  it('answers 409 naming the field when the username is taken, across customers too', async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    await api.accountWithUser(a.customerId, a.adminToken, '209');
    const res = await api.call('POST', `/api/v1/customers/${b.customerId}/accounts`, { token: b.adminToken, body: { username: '209' } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'conflict', field: 'username' });

    const { accountId } = await api.accountWithUser(b.customerId, b.adminToken, '210');
    const rename = await api.call('PATCH', `/api/v1/accounts/${accountId}`, { token: b.adminToken, body: { username: '209' } });
    expect(rename.status).toBe(409);
    expect(rename.body.field).toBe('username');
  });

  it('answers 404 for unknown account and customer ids', async () => {
    const { adminToken } = await api.customerWithAdmin('A');
    for (const [method, url] of [
      ['GET', '/api/v1/accounts/nope'],
      ['PATCH', '/api/v1/accounts/nope'],
      ['DELETE', '/api/v1/accounts/nope'],
      ['POST', '/api/v1/accounts/nope/password'],
      ['GET', '/api/v1/customers/nope/accounts'],
      ['POST', '/api/v1/customers/nope/accounts'],
    ] as const) {
      for (const token of [PLATFORM_TOKEN, adminToken]) {
        const res = await api.call(method, url, { token, ...(method === 'PATCH' || method === 'POST' ? { body: { username: '299' } } : {}) });
        expect(res.status, `${method} ${url}`).toBe(404);
        expect(res.body).toEqual({ error: 'not_found' });
      }
    }
  });
});

describe("another customer's accounts are invisible", () => {
  it('a beheerder of A gets 404 for everything of B, and its lists show only A', async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    const mine = await api.accountWithUser(a.customerId, a.adminToken, '301');
    const theirs = await api.accountWithUser(b.customerId, b.adminToken, '401');

    const attempts = [
      api.call('GET', `/api/v1/accounts/${theirs.accountId}`, { token: a.adminToken }),
      api.call('PATCH', `/api/v1/accounts/${theirs.accountId}`, { token: a.adminToken, body: { channelLimit: 1 } }),
      api.call('POST', `/api/v1/accounts/${theirs.accountId}/password`, { token: a.adminToken }),
      api.call('DELETE', `/api/v1/accounts/${theirs.accountId}`, { token: a.adminToken }),
      api.call('GET', `/api/v1/customers/${b.customerId}/accounts`, { token: a.adminToken }),
      api.call('POST', `/api/v1/customers/${b.customerId}/accounts`, { token: a.adminToken, body: { username: '302' } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'not_found' });
    }
    const stillTheirs = await api.store.accounts.get(theirs.accountId);
    expect(stillTheirs?.channelLimit).toBe(2);
    expect(api.secrets.decrypt(stillTheirs!.passwordEnc)).toBe(theirs.password);
    expect(await api.store.accounts.getByUsername('302')).toBeUndefined();

    const list = await api.call('GET', `/api/v1/customers/${a.customerId}/accounts`, { token: a.adminToken });
    expect(list.items.map((x) => x.id)).toEqual([mine.accountId]);
  });
});

describe('a gebruiker token (VoIP user)', () => {
  it('reads only its own account; a colleague is 403, another customer 404', async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    const me = await api.accountWithUser(a.customerId, a.adminToken, '501');
    const colleague = await api.accountWithUser(a.customerId, a.adminToken, '502');
    const stranger = await api.accountWithUser(b.customerId, b.adminToken, '601');

    const own = await api.call('GET', `/api/v1/accounts/${me.accountId}`, { token: me.userToken });
    expect(own.status).toBe(200);
    expect(own.body.username).toBe('501');
    expect(own.raw).not.toContain(me.password);
    expect((await api.call('GET', `/api/v1/accounts/${colleague.accountId}`, { token: me.userToken })).status).toBe(403);
    expect((await api.call('GET', `/api/v1/accounts/${stranger.accountId}`, { token: me.userToken })).status).toBe(404);

    const list = await api.call('GET', `/api/v1/customers/${a.customerId}/accounts`, { token: me.userToken });
    expect(list.items.map((x) => x.id)).toEqual([me.accountId]);
  });

  it('changes its display name and password, but not its channel limit (403)', async () => {
    const a = await api.customerWithAdmin('A');
    const me = await api.accountWithUser(a.customerId, a.adminToken, '503');
    const newPassword = 'Mijn-eigen-wachtwoord-7';
    const res = await api.call('PATCH', `/api/v1/accounts/${me.accountId}`, {
      token: me.userToken,
      body: { displayName: 'Receptie', password: newPassword },
    });
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('Receptie');
    expect(res.raw).not.toContain(newPassword);
    expect(api.secrets.decrypt((await api.store.accounts.get(me.accountId))!.passwordEnc)).toBe(newPassword);

    const limit = await api.call('PATCH', `/api/v1/accounts/${me.accountId}`, { token: me.userToken, body: { channelLimit: 30 } });
    expect(limit.status).toBe(403);
    expect(limit.body).toMatchObject({ error: 'forbidden', field: 'channelLimit' });
    expect((await api.store.accounts.get(me.accountId))?.channelLimit).toBe(2);
    const rename = await api.call('PATCH', `/api/v1/accounts/${me.accountId}`, { token: me.userToken, body: { username: 'baas' } });
    expect(rename.status).toBe(403);
  });

  it('may not create or delete accounts', async () => {
    const a = await api.customerWithAdmin('A');
    const me = await api.accountWithUser(a.customerId, a.adminToken, '504');
    const create = await api.call('POST', `/api/v1/customers/${a.customerId}/accounts`, { token: me.userToken, body: { username: '505' } });
    expect(create.status).toBe(403);
    expect((await api.call('DELETE', `/api/v1/accounts/${me.accountId}`, { token: me.userToken })).status).toBe(403);
    expect(await api.store.accounts.get(me.accountId)).toBeDefined();
  });
});

describe('secrets stay out of the logs', () => {
  it('no password or token appears in any log line, at level trace', async () => {
    const a = await api.customerWithAdmin('A');
    const me = await api.accountWithUser(a.customerId, a.adminToken, '701');
    const given = 'Zelf-gekozen-wachtwoord-1';
    await api.call('POST', `/api/v1/customers/${a.customerId}/accounts`, { token: a.adminToken, body: { username: '702', password: given } });
    const reset = await api.call('POST', `/api/v1/accounts/${me.accountId}/password`, { token: me.userToken });
    const changed = 'Nog-een-wachtwoord-22';
    await api.call('PATCH', `/api/v1/accounts/${me.accountId}`, { token: me.userToken, body: { password: changed } });
    await api.call('PATCH', `/api/v1/accounts/${me.accountId}`, { token: me.userToken, body: { password: 'te-kort' } });
    await api.call('GET', '/api/v1/customers', { token: 'not-a-real-token-but-secret-looking' });

    const log = api.logText();
    expect(log).toContain('account created'); // the capture works: the API does log
    for (const secret of [me.password, given, reset.body.password as string, changed, 'te-kort', a.adminToken, me.userToken, PLATFORM_TOKEN, 'not-a-real-token-but-secret-looking']) {
      expect(log).not.toContain(secret);
    }
  });
});
