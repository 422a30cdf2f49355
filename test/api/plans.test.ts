import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLATFORM_TOKEN, startApi, type ApiHarness, type Body } from './harness.js';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

const issues = (body: Body): { path: string; message: string }[] => body.issues as { path: string; message: string }[];

/** A valid plan whose greeting prompt tells the versions apart. */
const plan = (greeting: string): Record<string, unknown> => ({
  name: 'Hoofdnummer',
  start: 'welkom',
  nodes: { welkom: { type: 'announcement', prompts: [greeting], next: 'einde' }, einde: { type: 'hangup' } },
});

async function createPlan(customerId: string, token: string, extra: Record<string, unknown> = {}): Promise<Body> {
  const res = await api.call('POST', `/api/v1/customers/${customerId}/plans`, {
    token,
    body: { name: 'Hoofdnummer', plan: plan('nl/welkom-v1'), ...extra },
  });
  if (res.status !== 201) throw new Error(`plan: ${res.raw}`);
  return res.body;
}

describe('plans: create, save versions, publish, restore', () => {
  it("refuses a plan that plays another customer's uploaded prompt, naming where", async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    const own = await api.call('POST', `/api/v1/customers/${a.customerId}/plans`, {
      token: a.adminToken,
      body: { name: 'Eigen', plan: plan(`custom/${a.customerId}/welkom`) },
    });
    expect(own.status).toBe(201);
    const res = await api.call('POST', `/api/v1/customers/${a.customerId}/plans`, {
      token: a.adminToken,
      body: { name: 'Geleend', plan: plan(`custom/${b.customerId}/welkom`) },
    });
    expect(res.status).toBe(400);
    expect(issues(res.body)).toEqual([
      { path: 'plan.nodes.welkom.prompts.0', message: `prompt "custom/${b.customerId}/welkom" is not one of this customer's prompts` },
    ]);
  });

  it('creates a plan with version 1 as a draft, saved by the calling token', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const res = await api.call('POST', `/api/v1/customers/${customerId}/plans`, {
      token: adminToken,
      body: { name: 'Hoofdnummer', plan: plan('nl/welkom-v1'), note: 'eerste opzet' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ customerId, name: 'Hoofdnummer', warnings: [] });
    expect(res.body).not.toHaveProperty('liveVersion');
    expect(res.body).not.toHaveProperty('live');
    const id = res.body.id as string;
    const v1 = await api.store.plans.getVersion(id, 1);
    expect(v1).toMatchObject({ version: 1, note: 'eerste opzet' });
    expect(v1?.createdBy).toMatch(/^beheerder:[0-9a-f-]{36}$/);
    // Stored as parsed: defaults filled in (a hangup's cause).
    expect(v1?.plan).toMatchObject({ nodes: { einde: { type: 'hangup', cause: 'normal' } } });
  });

  it('publishes version 1 at once when asked, and GET shows the live document', async () => {
    const { customerId } = await api.customerWithAdmin('A');
    const created = await createPlan(customerId, PLATFORM_TOKEN, { publish: true });
    expect(created).toMatchObject({ liveVersion: 1, live: { version: 1, live: true, createdBy: 'platform' } });
    const read = await api.call('GET', `/api/v1/plans/${created.id as string}`, { token: PLATFORM_TOKEN });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ liveVersion: 1, live: { plan: { start: 'welkom', nodes: { welkom: { prompts: ['nl/welkom-v1'] } } } } });
  });

  it('keeps a new version as a draft until it is published, then callers get it', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const id = (await createPlan(customerId, adminToken, { publish: true })).id as string;
    const v2 = await api.call('POST', `/api/v1/plans/${id}/versions`, { token: adminToken, body: { plan: plan('nl/welkom-v2'), note: 'nieuwe groet' } });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ planId: id, version: 2, live: false, note: 'nieuwe groet', warnings: [] });
    expect((await api.store.plans.get(id))?.liveVersion).toBe(1);

    const published = await api.call('POST', `/api/v1/plans/${id}/publish`, { token: adminToken, body: { version: 2 } });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ liveVersion: 2, live: { version: 2, plan: { nodes: { welkom: { prompts: ['nl/welkom-v2'] } } } } });
    expect((await api.store.plans.get(id))?.liveVersion).toBe(2);

    const one = await api.call('GET', `/api/v1/plans/${id}/versions/1`, { token: adminToken });
    expect(one.body).toMatchObject({ version: 1, live: false, plan: { nodes: { welkom: { prompts: ['nl/welkom-v1'] } } } });
    expect((await api.call('GET', `/api/v1/plans/${id}/versions/3`, { token: adminToken })).status).toBe(404);
    expect((await api.call('GET', `/api/v1/plans/${id}/versions/nul`, { token: adminToken })).status).toBe(400);
  });

  it('restores an earlier version as a new live copy, keeping the whole history', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const id = (await createPlan(customerId, adminToken, { publish: true })).id as string;
    await api.call('POST', `/api/v1/plans/${id}/versions`, { token: adminToken, body: { plan: plan('nl/welkom-v2') } });
    await api.call('POST', `/api/v1/plans/${id}/publish`, { token: PLATFORM_TOKEN, body: { version: 2 } });

    const restored = await api.call('POST', `/api/v1/plans/${id}/restore`, { token: adminToken, body: { version: 1 } });
    expect(restored.status).toBe(201);
    expect(restored.body).toMatchObject({ liveVersion: 3, live: { version: 3, note: 'restored from version 1' } });
    expect((restored.body.live as Body).plan).toEqual((await api.store.plans.getVersion(id, 1))?.plan);

    const history = await api.call('GET', `/api/v1/plans/${id}/versions`, { token: adminToken });
    expect(history.items.map((v) => [v.version, v.live])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(history.items[2].createdBy).toMatch(/^beheerder:/);
    for (const v of history.items) expect(v).not.toHaveProperty('plan');
  });

  it('refuses publishing or restoring a version that does not exist, at the path "version"', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const id = (await createPlan(customerId, adminToken)).id as string;
    for (const action of ['publish', 'restore']) {
      const res = await api.call('POST', `/api/v1/plans/${id}/${action}`, { token: adminToken, body: { version: 7 } });
      expect(res.status, action).toBe(400);
      expect(issues(res.body)).toEqual([{ path: 'version', message: 'the plan has no version 7' }]);
    }
    expect(await api.store.plans.listVersions(id)).toHaveLength(1);
    expect((await api.store.plans.get(id))?.liveVersion).toBeUndefined();
  });

  it('lists a customer\'s plans', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const a = await createPlan(customerId, adminToken);
    const b = await createPlan(customerId, adminToken, { name: 'Storing', publish: true });
    const list = await api.call('GET', `/api/v1/customers/${customerId}/plans`, { token: adminToken });
    // Listed in creation order; two plans made in the same millisecond may come either way.
    const rows = list.items.map((p) => [p.id, p.name, p.liveVersion]).sort((x, y) => String(x[1]).localeCompare(String(y[1])));
    expect(rows).toEqual([
      [a.id, 'Hoofdnummer', undefined],
      [b.id, 'Storing', 1],
    ]);
  });
});

describe('plans: invalid documents', () => {
  it('refuses a broken plan with each problem under "plan.<path>", and stores nothing', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const broken = { name: 'Kapot', start: 'welkom', nodes: { welkom: { type: 'announcement', prompts: [], next: 'einde' } } };
    const res = await api.call('POST', `/api/v1/customers/${customerId}/plans`, { token: adminToken, body: { name: 'Kapot', plan: broken } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation');
    expect(issues(res.body).map((i) => i.path)).toContain('plan.nodes.welkom.prompts');
    for (const i of issues(res.body)) expect(i.path.startsWith('plan.')).toBe(true);
    expect(await api.store.plans.list(customerId)).toEqual([]);
  });

  it('refuses a new version whose transition points nowhere, keeping the plan as it was', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const id = (await createPlan(customerId, adminToken, { publish: true })).id as string;
    const dangling = { ...plan('nl/welkom'), nodes: { welkom: { type: 'announcement', prompts: ['nl/welkom'], next: 'nergens' } } };
    const res = await api.call('POST', `/api/v1/plans/${id}/versions`, { token: adminToken, body: { plan: dangling } });
    expect(res.status).toBe(400);
    expect(issues(res.body).map((i) => i.path)).toEqual(['plan.nodes.welkom.next']);
    expect(await api.store.plans.listVersions(id)).toHaveLength(1);
  });

  it('refuses a body without a plan document or name', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const res = await api.call('POST', `/api/v1/customers/${customerId}/plans`, { token: adminToken, body: { plan: plan('nl/x') } });
    expect(res.status).toBe(400);
    expect(issues(res.body).map((i) => i.path)).toEqual(['name']);
    const empty = await api.call('POST', `/api/v1/customers/${customerId}/plans`, { token: adminToken, body: { name: 'Leeg' } });
    expect(empty.status).toBe(400);
    expect(issues(empty.body)[0].path).toBe('plan');
  });
});

describe('plans: who may do what', () => {
  it("hides another customer's plans (404) from a beheerder", async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    const theirs = (await createPlan(b.customerId, b.adminToken)).id as string;
    for (const [method, url, body] of [
      ['GET', `/api/v1/plans/${theirs}`, undefined],
      ['GET', `/api/v1/plans/${theirs}/versions`, undefined],
      ['GET', `/api/v1/plans/${theirs}/versions/1`, undefined],
      ['POST', `/api/v1/plans/${theirs}/versions`, { plan: plan('nl/x') }],
      ['POST', `/api/v1/plans/${theirs}/publish`, { version: 1 }],
      ['POST', `/api/v1/plans/${theirs}/restore`, { version: 1 }],
      ['DELETE', `/api/v1/plans/${theirs}`, undefined],
      ['GET', `/api/v1/customers/${b.customerId}/plans`, undefined],
      ['POST', `/api/v1/customers/${b.customerId}/plans`, { name: 'x', plan: plan('nl/x') }],
    ] as const) {
      const res = await api.call(method, url, { token: a.adminToken, ...(body === undefined ? {} : { body }) });
      expect(res.status, `${method} ${url}`).toBe(404);
    }
    expect(await api.store.plans.listVersions(theirs)).toHaveLength(1);
    expect((await api.store.plans.get(theirs))?.liveVersion).toBeUndefined();
  });

  it('gives a gebruiker 403 on its own customer\'s plans', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const { userToken } = await api.accountWithUser(customerId, adminToken, '1001');
    const id = (await createPlan(customerId, adminToken)).id as string;
    expect((await api.call('GET', `/api/v1/plans/${id}`, { token: userToken })).status).toBe(403);
    expect((await api.call('GET', `/api/v1/customers/${customerId}/plans`, { token: userToken })).status).toBe(403);
    expect((await api.call('POST', `/api/v1/plans/${id}/publish`, { token: userToken, body: { version: 1 } })).status).toBe(403);
    const create = await api.call('POST', `/api/v1/customers/${customerId}/plans`, { token: userToken, body: { name: 'x', plan: plan('nl/x') } });
    expect(create.status).toBe(403);
    expect((await api.store.plans.get(id))?.liveVersion).toBeUndefined();
  });
});

describe('plans: deleting', () => {
  it('refuses while a number uses the plan (409), and deletes it once unlinked', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const id = (await createPlan(customerId, adminToken, { publish: true })).id as string;
    const n = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, { token: PLATFORM_TOKEN, body: { number: '0800 1234', planId: id } });
    expect(n.status).toBe(201);
    const refused = await api.call('DELETE', `/api/v1/plans/${id}`, { token: adminToken });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'conflict', field: 'planId', message: expect.stringContaining('+318001234') });
    await api.call('PATCH', `/api/v1/numbers/${n.body.id as string}`, { token: adminToken, body: { planId: null } });
    expect((await api.call('DELETE', `/api/v1/plans/${id}`, { token: adminToken })).status).toBe(204);
    expect(await api.store.plans.get(id)).toBeUndefined();
    expect((await api.call('GET', `/api/v1/plans/${id}`, { token: adminToken })).status).toBe(404);
  });
});

describe('the plan JSON Schema and the OpenAPI document', () => {
  it('serves the plan JSON Schema to any token', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const { userToken } = await api.accountWithUser(customerId, adminToken, '1001');
    const res = await api.call('GET', '/api/v1/plans/schema.json', { token: userToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'object', properties: { start: expect.any(Object), nodes: expect.any(Object) } });
    expect(res.raw).toContain('announcement');
    expect((await api.call('GET', '/api/v1/plans/schema.json')).status).toBe(401);
  });

  it('describes the number and plan routes', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    const doc = JSON.parse(res.payload) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, method] of [
      ['/api/v1/customers/{customerId}/numbers', 'post'],
      ['/api/v1/numbers/{numberId}', 'patch'],
      ['/api/v1/customers/{customerId}/plans', 'post'],
      ['/api/v1/plans/{planId}/versions/{version}', 'get'],
      ['/api/v1/plans/{planId}/publish', 'post'],
      ['/api/v1/plans/{planId}/restore', 'post'],
      ['/api/v1/plans/schema.json', 'get'],
    ]) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });
});
