import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PLATFORM_TOKEN, startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
let demo: Record<string, unknown>;
beforeEach(async () => {
  api = await startApi();
  demo = parse(await readFile(new URL('../../dialplans/demo-0909.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
});
afterEach(async () => {
  await api.close();
});

async function planOf(adminToken: string, customerId: string, publish = true): Promise<string> {
  const r = await api.call('POST', `/api/v1/customers/${customerId}/plans`, { token: adminToken, body: { name: 'Bereikbaarheid', plan: demo, publish } });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

describe('POST /plans/{id}/simulate', () => {
  it('runs the live version: a caller who presses 2 during office hours hears the welcome, the menu and is put through to support', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('Bakkerij');
    const planId = await planOf(adminToken, customerId);
    const r = await api.call('POST', `/api/v1/plans/${planId}/simulate`, { token: adminToken, body: { at: '2026-11-24T10:00', dtmf: ['2'] } });
    expect(r.status).toBe(200);
    expect(r.body.heard).toEqual(['nl/welkom', 'nl/menu-keuze', 'nl/doorverbinden']);
    expect((r.body.path as { node: string }[]).map((p) => p.node)).toEqual(['openingstijden', 'welkom', 'keuzemenu', 'support', 'support-bellen']);
    expect(r.body.end).toBe('answered');
  });

  it('runs a draft sent in the body, with a busy member and the tariff announcement of a number', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('Bakkerij');
    const planId = await planOf(adminToken, customerId, false);
    const n = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, { token: PLATFORM_TOKEN, body: { number: '0909 123 4567', tariff: { perMinuteCents: 80 } } });
    expect(n.status).toBe(201);
    const draft = { ...demo, nodes: { ...(demo.nodes as object), gesloten: { type: 'announcement', prompts: ['nl/bezet'], next: 'tot-ziens' } } };
    const closed = await api.call('POST', `/api/v1/plans/${planId}/simulate`, { token: adminToken, body: { plan: draft, at: '2026-11-29T10:00', numberId: n.body.id } });
    expect(closed.status).toBe(200);
    expect(closed.body.heard).toEqual(['nl/tarief-intro', 'nl/getallen/80', 'nl/cent', 'nl/per-minuut', 'nl/bezet', 'nl/tot-ziens']);
    const busy = await api.call('POST', `/api/v1/plans/${planId}/simulate`, { token: adminToken, body: { plan: draft, at: '2026-11-24T10:00', dtmf: ['1'], busy: ['201'] } });
    expect(busy.body.heard).toEqual(['nl/welkom', 'nl/menu-keuze', 'nl/doorverbinden', 'nl/bezet', 'nl/tot-ziens']);
  });

  it('names the fields of an invalid draft, a bad time and a plan without a live version', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('Bakkerij');
    const planId = await planOf(adminToken, customerId, false);
    const bad = { ...demo, nodes: { ...(demo.nodes as object), keuzemenu: { ...(demo.nodes as Record<string, object>).keuzemenu, timeoutMs: 500 } } };
    const r = await api.call('POST', `/api/v1/plans/${planId}/simulate`, { token: adminToken, body: { plan: bad, at: '2026-11-24T10:00' } });
    expect(r.status).toBe(400);
    expect((r.body.issues as { path: string }[]).map((i) => i.path)).toEqual(['plan.nodes.keuzemenu.timeoutMs']);
    const when = await api.call('POST', `/api/v1/plans/${planId}/simulate`, { token: adminToken, body: { at: 'tomorrow', dtmf: ['x'] } });
    expect(when.status).toBe(400);
    expect((when.body.issues as { path: string }[]).map((i) => i.path)).toEqual(['dtmf.0']);
    const noLive = await api.call('POST', `/api/v1/plans/${planId}/simulate`, { token: adminToken, body: { at: 'tomorrow' } });
    expect((noLive.body.issues as { path: string }[]).map((i) => i.path)).toEqual(['at']);
    const unpublished = await api.call('POST', `/api/v1/plans/${planId}/simulate`, { token: adminToken, body: { at: '2026-11-24T10:00' } });
    expect((unpublished.body.issues as { path: string }[]).map((i) => i.path)).toEqual(['version']);
  });

  it("is a 404 for another customer's plan and a 403 for a gebruiker", async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    const planId = await planOf(a.adminToken, a.customerId);
    const other = await api.call('POST', `/api/v1/plans/${planId}/simulate`, { token: b.adminToken, body: { at: '2026-11-24T10:00' } });
    expect(other.status).toBe(404);
    const user = await api.accountWithUser(a.customerId, a.adminToken, '301');
    const asUser = await api.call('POST', `/api/v1/plans/${planId}/simulate`, { token: user.userToken, body: { at: '2026-11-24T10:00' } });
    expect(asUser.status).toBe(403);
  });
});

describe('GET /session', () => {
  it('tells the web app the role, customer and account behind a token', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('Bakkerij');
    const user = await api.accountWithUser(customerId, adminToken, '301');
    expect((await api.call('GET', '/api/v1/session', { token: adminToken })).body).toEqual({ role: 'beheerder', customerId, customerName: 'Bakkerij' });
    expect((await api.call('GET', '/api/v1/session', { token: user.userToken })).body).toEqual({
      role: 'gebruiker',
      customerId,
      customerName: 'Bakkerij',
      accountId: user.accountId,
      username: '301',
    });
    expect((await api.call('GET', '/api/v1/session', { token: PLATFORM_TOKEN })).body).toEqual({ role: 'platform' });
    expect((await api.call('GET', '/api/v1/session', { token: 'nope' })).status).toBe(401);
  });
});
