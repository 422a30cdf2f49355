import { afterEach, describe, expect, it } from 'vitest';
import type { SignInOptions } from '../../src/api/session.js';
import { PLATFORM_TOKEN, startApi, type ApiHarness, type Reply } from './harness.js';

/**
 * Signing in to the web app with username and password: sign-ins made by the platform and the
 * beheerder, a short-lived token for the right password, refusals for a wrong one, brakes after
 * repeated failures (per username and per address), sign-out, and no password in any log line.
 */

let api: ApiHarness;
afterEach(async () => {
  await api.close();
});

async function rig(signIn?: SignInOptions): Promise<{ customerId: string; adminToken: string }> {
  api = await startApi(signIn ? { signIn } : {});
  return api.customerWithAdmin('Bakkerij De Vries');
}

function signIn(username: string, password: string, from = '127.0.0.1'): Promise<Reply> {
  return api.app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: from, payload: { username, password } }).then((res) => {
    const body = JSON.parse(res.payload) as Record<string, unknown>;
    return { status: res.statusCode, headers: res.headers, body, items: [], raw: res.payload };
  });
}

const ANNA_PASSWORD = 'zomer-brood-2026!';

async function anna(customerId: string): Promise<string> {
  const made = await api.call('POST', `/api/v1/customers/${customerId}/web-logins`, { token: PLATFORM_TOKEN, body: { username: 'Anna@Bakkerij.nl', role: 'beheerder', password: ANNA_PASSWORD } });
  expect(made.status).toBe(201);
  return made.body.id as string;
}

describe('web sign-ins', () => {
  it('are made by the platform (beheerders) and the beheerder (its VoIP users), and listed without a password', async () => {
    const { customerId, adminToken } = await rig();
    const { accountId } = await api.accountWithUser(customerId, adminToken, '201');
    await anna(customerId);
    const piet = await api.call('POST', `/api/v1/customers/${customerId}/web-logins`, { token: adminToken, body: { username: 'piet', role: 'gebruiker', accountId } });
    expect(piet.status).toBe(201);
    expect(piet.body.password).toMatch(/^\S{24}$/);

    const refused = await api.call('POST', `/api/v1/customers/${customerId}/web-logins`, { token: adminToken, body: { username: 'baas', role: 'beheerder', password: 'lang-genoeg-wachtwoord' } });
    expect(refused.status).toBe(403);
    const taken = await api.call('POST', `/api/v1/customers/${customerId}/web-logins`, { token: PLATFORM_TOKEN, body: { username: 'anna@bakkerij.nl', role: 'beheerder', password: 'lang-genoeg-wachtwoord' } });
    expect(taken.status).toBe(409);
    const bad = await api.call('POST', `/api/v1/customers/${customerId}/web-logins`, { token: adminToken, body: { username: 'x y', role: 'gebruiker', password: 'kort' } });
    expect(bad.status).toBe(400);
    expect((bad.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual(['accountId', 'password', 'username']);

    const listed = await api.call('GET', `/api/v1/customers/${customerId}/web-logins`, { token: adminToken });
    expect(listed.items.map((l) => [l.username, l.role])).toEqual([
      ['anna@bakkerij.nl', 'beheerder'],
      ['piet', 'gebruiker'],
    ]);
    expect(listed.raw).not.toMatch(/scrypt|password/i);
    const other = await api.customerWithAdmin('Tandarts Jansen');
    expect((await api.call('GET', `/api/v1/customers/${customerId}/web-logins`, { token: other.adminToken })).status).toBe(404);
  });

  it('gives a short-lived token for the right password, and refuses a wrong one or an unknown username alike', async () => {
    const { customerId, adminToken } = await rig({ sessionMinutes: 30 });
    await anna(customerId);
    const before = Date.now();
    const ok = await signIn('ANNA@bakkerij.nl', ANNA_PASSWORD);
    expect(ok.status).toBe(201);
    expect(ok.body.session).toEqual({ role: 'beheerder', customerId, customerName: 'Bakkerij De Vries' });
    expect(ok.body.expiresAt).toBeGreaterThanOrEqual(before + 30 * 60_000);
    expect(ok.body.expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 60_000);
    const numbers = await api.call('GET', `/api/v1/customers/${customerId}/numbers`, { token: ok.body.token as string });
    expect(numbers.status).toBe(200);

    const wrong = await signIn('anna@bakkerij.nl', 'zomer-brood-2025!');
    const unknown = await signIn('bert@bakkerij.nl', ANNA_PASSWORD);
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual(unknown.body);
    expect((await api.call('GET', '/api/v1/session', { token: adminToken })).status).toBe(200);

    const log = api.logText();
    expect(log).toContain('anna@bakkerij.nl');
    expect(log).not.toContain(ANNA_PASSWORD);
    expect(log).not.toContain('zomer-brood-2025!');
  });

  it('signs a VoIP user in as their own account', async () => {
    const { customerId, adminToken } = await rig();
    const { accountId } = await api.accountWithUser(customerId, adminToken, '201');
    await api.call('POST', `/api/v1/customers/${customerId}/web-logins`, { token: adminToken, body: { username: 'piet', role: 'gebruiker', accountId, password: 'piet-zijn-wachtwoord' } });
    const ok = await signIn('piet', 'piet-zijn-wachtwoord');
    expect(ok.body.session).toEqual({ role: 'gebruiker', customerId, customerName: 'Bakkerij De Vries', accountId, username: '201' });
    expect((await api.call('GET', `/api/v1/customers/${customerId}/numbers`, { token: ok.body.token as string })).status).toBe(403);

    // The account is gone: the sign-in no longer works.
    await api.call('DELETE', `/api/v1/accounts/${accountId}`, { token: adminToken });
    expect((await signIn('piet', 'piet-zijn-wachtwoord')).status).toBe(401);
  });

  it('blocks a username after five failures, even for the right password, and leaves other usernames alone', async () => {
    const { customerId } = await rig();
    await anna(customerId);
    await api.call('POST', `/api/v1/customers/${customerId}/web-logins`, { token: PLATFORM_TOKEN, body: { username: 'joop', role: 'beheerder', password: 'joop-wachtwoord-1' } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await signIn('anna@bakkerij.nl', `fout-${i}-wachtwoord`, '192.0.2.1')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const blocked = await signIn('anna@bakkerij.nl', ANNA_PASSWORD, '198.51.100.7');
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBe('900');
    expect((await signIn('joop', 'joop-wachtwoord-1', '192.0.2.1')).status).toBe(201);
  });

  it('blocks an address after twenty failures over any usernames', async () => {
    const { customerId } = await rig();
    await anna(customerId);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await signIn(`gok${i}@bakkerij.nl`, 'raden-maar-wachtwoord', '203.0.113.9')).status);
    expect(statuses.slice(0, 19).every((s) => s === 401)).toBe(true);
    expect(statuses[19]).toBe(429);
    expect((await signIn('anna@bakkerij.nl', ANNA_PASSWORD, '203.0.113.9')).status).toBe(429);
    expect((await signIn('anna@bakkerij.nl', ANNA_PASSWORD, '203.0.113.10')).status).toBe(201);
  });

  it('ends a sign-in token at sign-out, at its expiry, and when the password changes; an API token survives sign-out', async () => {
    const { customerId, adminToken } = await rig();
    const loginId = await anna(customerId);
    const token = (await signIn('anna@bakkerij.nl', ANNA_PASSWORD)).body.token as string;
    expect((await api.call('DELETE', '/api/v1/session', { token })).status).toBe(204);
    expect((await api.call('GET', '/api/v1/session', { token })).status).toBe(401);
    expect((await api.call('DELETE', '/api/v1/session', { token: adminToken })).status).toBe(204);
    expect((await api.call('GET', '/api/v1/session', { token: adminToken })).status).toBe(200);

    const second = (await signIn('anna@bakkerij.nl', ANNA_PASSWORD)).body.token as string;
    const changed = await api.call('POST', `/api/v1/customers/${customerId}/web-logins/${loginId}/password`, { token: PLATFORM_TOKEN, body: {} });
    expect(changed.body.password).toMatch(/^\S{24}$/);
    expect((await api.call('GET', '/api/v1/session', { token: second })).status).toBe(401);
    expect((await signIn('anna@bakkerij.nl', ANNA_PASSWORD)).status).toBe(401);
    expect((await signIn('anna@bakkerij.nl', changed.body.password as string)).status).toBe(201);
    await api.close();

    // A clock 481 minutes behind issues a token that has already run out.
    const late = await rig({ sessionMinutes: 480, now: () => Date.now() - 481 * 60_000 });
    await anna(late.customerId);
    const expired = (await signIn('anna@bakkerij.nl', ANNA_PASSWORD)).body.token as string;
    expect((await api.call('GET', '/api/v1/session', { token: expired })).status).toBe(401);
    expect((await api.store.tokens.list(late.customerId)).map((t) => t.label)).toEqual(['Bakkerij De Vries beheer']);
  });
});
