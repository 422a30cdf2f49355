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

const PLAN = {
  name: 'Hoofdnummer',
  start: 'welkom',
  nodes: { welkom: { type: 'announcement', prompts: ['nl/welkom'], next: 'einde' }, einde: { type: 'hangup' } },
};

async function addNumber(customerId: string, body: Record<string, unknown>): Promise<Body> {
  const res = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, { token: PLATFORM_TOKEN, body });
  if (res.status !== 201) throw new Error(`number: ${res.raw}`);
  return res.body;
}

async function addPlan(customerId: string, token: string): Promise<string> {
  const res = await api.call('POST', `/api/v1/customers/${customerId}/plans`, { token, body: { name: 'Hoofdnummer', plan: PLAN } });
  if (res.status !== 201) throw new Error(`plan: ${res.raw}`);
  return res.body.id as string;
}

describe('numbers: the platform adds them in any notation', () => {
  it('normalizes the number, derives its type and announces its tariff', async () => {
    const { customerId } = await api.customerWithAdmin('Sterrenwacht');
    const res = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, {
      token: PLATFORM_TOKEN,
      body: { number: '+31 (0)909 123 4567', tariff: { perMinuteCents: 80, startFeeCents: 10, maxPerCallCents: 800 } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      e164: '+319091234567',
      national: '09091234567',
      type: '0909',
      customerId,
      status: 'active',
      tariff: { perMinuteCents: 80, startFeeCents: 10, maxPerCallCents: 800 },
      tariffAnnouncement: 'Dit gesprek kost 80 cent per minuut, plus 10 cent starttarief, met een maximum van 8 euro per gesprek.',
    });
    const stored = await api.store.numbers.getByE164('+319091234567');
    expect(stored).toMatchObject({ id: res.body.id, type: '0909', customerId });
  });

  it.each([
    ['0800-1234', '+318001234', '0800'],
    ['sip:+31201234567@pbx.example.nl;user=phone', '+31201234567', 'geographic'],
    ['088 123 4567', '+31881234567', '088'],
  ])('adds %s without a tariff as %s (%s)', async (number, e164, type) => {
    const { customerId } = await api.customerWithAdmin('Gratis BV');
    const body = await addNumber(customerId, { number });
    expect(body).toMatchObject({ e164, type });
    expect(body).not.toHaveProperty('tariff');
    expect(body).not.toHaveProperty('tariffAnnouncement');
  });

  it('refuses a number that is not a service number, naming the field', async () => {
    const { customerId } = await api.customerWithAdmin('A');
    const res = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, { token: PLATFORM_TOKEN, body: { number: '06 1234 5678' } });
    expect(res.status).toBe(400);
    expect(issues(res.body)).toEqual([{ path: 'number', message: 'mobile numbers (06) cannot be service numbers' }]);
    expect(await api.store.numbers.list(customerId)).toEqual([]);
  });

  it('refuses a tariff on 0800 at the path "tariff"', async () => {
    const { customerId } = await api.customerWithAdmin('A');
    const res = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, {
      token: PLATFORM_TOKEN,
      body: { number: '0800 1234567', tariff: { perMinuteCents: 10 } },
    });
    expect(res.status).toBe(400);
    expect(issues(res.body)).toEqual([{ path: 'tariff', message: 'a caller tariff is only allowed on 0900, 0906, 0909 and 18xy numbers' }]);
  });

  it('refuses more than 15 ct a minute on 0900 without a maximum, and a negative amount, at their fields', async () => {
    const { customerId } = await api.customerWithAdmin('A');
    const cap = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, {
      token: PLATFORM_TOKEN,
      body: { number: '0900-1234567', tariff: { perMinuteCents: 50 } },
    });
    expect(cap.status).toBe(400);
    expect(issues(cap.body)).toEqual([
      { path: 'tariff.maxPerCallCents', message: 'more than 15 ct a minute on 0900/18xy needs a maximum per call' },
    ]);
    const negative = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, {
      token: PLATFORM_TOKEN,
      body: { number: '1844', tariff: { perMinuteCents: -5 } },
    });
    expect(issues(negative.body)).toEqual([{ path: 'tariff.perMinuteCents', message: 'must be a whole number of euro cents, 0 or more' }]);
    const missing = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, { token: PLATFORM_TOKEN, body: { number: '0906 1234' } });
    expect(issues(missing.body)).toEqual([{ path: 'tariff', message: expect.stringContaining('needs a caller tariff') }]);
    const wrongShape = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, {
      token: PLATFORM_TOKEN,
      body: { number: '0906 1234', tariff: { perMinuteCents: '80' } },
    });
    expect(issues(wrongShape.body).map((i) => i.path)).toEqual(['tariff.perMinuteCents']);
    expect(await api.store.numbers.list(customerId)).toEqual([]);
  });

  it('answers 409 for a number another customer already has, in whatever notation', async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    await addNumber(a.customerId, { number: '085 123 4567' });
    const res = await api.call('POST', `/api/v1/customers/${b.customerId}/numbers`, {
      token: PLATFORM_TOKEN,
      body: { number: '0031851234567' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'conflict', field: 'number', message: 'number +31851234567 is already in use' });
  });

  it("links a plan only if it is one of the customer's own", async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    const own = await addPlan(a.customerId, a.adminToken);
    const foreign = await addPlan(b.customerId, b.adminToken);
    const linked = await addNumber(a.customerId, { number: '0800 1234', planId: own });
    expect(linked.planId).toBe(own);
    const res = await api.call('POST', `/api/v1/customers/${a.customerId}/numbers`, {
      token: PLATFORM_TOKEN,
      body: { number: '0800 4321', planId: foreign },
    });
    expect(res.status).toBe(400);
    expect(issues(res.body)).toEqual([{ path: 'planId', message: `"${foreign}" is not one of this customer's plans` }]);
  });
});

describe('numbers: what a beheerder may do', () => {
  it('reads, lists, suspends, reactivates and links its own numbers to its plans', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const n = await addNumber(customerId, { number: '0909 1234', tariff: { perCallCents: 90 } });
    const planId = await addPlan(customerId, adminToken);
    const id = n.id as string;

    const list = await api.call('GET', `/api/v1/customers/${customerId}/numbers`, { token: adminToken });
    expect(list.items.map((x) => x.id)).toEqual([id]);
    expect((await api.call('GET', `/api/v1/numbers/${id}`, { token: adminToken })).body).toMatchObject({ e164: '+319091234' });

    const suspended = await api.call('PATCH', `/api/v1/numbers/${id}`, { token: adminToken, body: { status: 'suspended', planId } });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ status: 'suspended', planId, tariff: { perCallCents: 90 } });
    expect(await api.store.numbers.get(id)).toMatchObject({ status: 'suspended', planId });

    const back = await api.call('PATCH', `/api/v1/numbers/${id}`, { token: adminToken, body: { status: 'active', planId: null } });
    expect(back.body.status).toBe('active');
    expect(back.body).not.toHaveProperty('planId');
    expect((await api.store.numbers.get(id))?.planId).toBeUndefined();
  });

  it('may not add, delete or change the tariff of a number (403), and leaves it unchanged', async () => {
    const { customerId, adminToken } = await api.customerWithAdmin('A');
    const n = await addNumber(customerId, { number: '0909 1234', tariff: { perCallCents: 90 } });
    const id = n.id as string;
    const create = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, { token: adminToken, body: { number: '0800 1234' } });
    expect(create.status).toBe(403);
    const tariff = await api.call('PATCH', `/api/v1/numbers/${id}`, { token: adminToken, body: { tariff: { perCallCents: 150 } } });
    expect(tariff.status).toBe(403);
    expect(tariff.body).toMatchObject({ error: 'forbidden', field: 'tariff' });
    expect((await api.call('DELETE', `/api/v1/numbers/${id}`, { token: adminToken })).status).toBe(403);
    expect(await api.store.numbers.get(id)).toMatchObject({ tariff: { perCallCents: 90 } });
    expect(await api.store.numbers.list()).toHaveLength(1);
  });

  it("cannot see or touch another customer's numbers (404), nor link another customer's plan", async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    const theirs = await addNumber(b.customerId, { number: '0800 1234' });
    const ours = await addNumber(a.customerId, { number: '0800 4321' });
    const theirPlan = await addPlan(b.customerId, b.adminToken);
    const id = theirs.id as string;
    expect((await api.call('GET', `/api/v1/numbers/${id}`, { token: a.adminToken })).status).toBe(404);
    expect((await api.call('PATCH', `/api/v1/numbers/${id}`, { token: a.adminToken, body: { status: 'suspended' } })).status).toBe(404);
    expect((await api.call('GET', `/api/v1/customers/${b.customerId}/numbers`, { token: a.adminToken })).status).toBe(404);
    const link = await api.call('PATCH', `/api/v1/numbers/${ours.id as string}`, { token: a.adminToken, body: { planId: theirPlan } });
    expect(link.status).toBe(400);
    expect(issues(link.body).map((i) => i.path)).toEqual(['planId']);
    expect(await api.store.numbers.get(id)).toMatchObject({ status: 'active' });
  });
});

describe('numbers: the platform changes tariffs and removes numbers', () => {
  it('checks a changed tariff against the number type, and refuses removing a required one', async () => {
    const { customerId } = await api.customerWithAdmin('A');
    const n = await addNumber(customerId, { number: '0900 1234567', tariff: { perMinuteCents: 15 } });
    const id = n.id as string;
    const raised = await api.call('PATCH', `/api/v1/numbers/${id}`, {
      token: PLATFORM_TOKEN,
      body: { tariff: { perMinuteCents: 50, maxPerCallCents: 500 } },
    });
    expect(raised.status).toBe(200);
    expect(raised.body.tariff).toEqual({ perMinuteCents: 50, maxPerCallCents: 500 });
    const uncapped = await api.call('PATCH', `/api/v1/numbers/${id}`, { token: PLATFORM_TOKEN, body: { tariff: { perMinuteCents: 50 } } });
    expect(issues(uncapped.body)).toEqual([{ path: 'tariff.maxPerCallCents', message: expect.stringContaining('needs a maximum per call') }]);
    const removed = await api.call('PATCH', `/api/v1/numbers/${id}`, { token: PLATFORM_TOKEN, body: { tariff: null } });
    expect(removed.status).toBe(400);
    expect(issues(removed.body)[0].path).toBe('tariff');
    expect((await api.store.numbers.get(id))?.tariff).toEqual({ perMinuteCents: 50, maxPerCallCents: 500 });
  });

  it('removes a number, which then stays in quarantine instead of being added again (test/api/numbersInventory.test.ts: until it ends)', async () => {
    const { customerId } = await api.customerWithAdmin('A');
    const n = await addNumber(customerId, { number: '0800 1234' });
    expect((await api.call('DELETE', `/api/v1/numbers/${n.id as string}`, { token: PLATFORM_TOKEN })).status).toBe(204);
    expect((await api.call('GET', `/api/v1/numbers/${n.id as string}`, { token: PLATFORM_TOKEN })).status).toBe(404);
    expect(await api.store.numbers.getByE164('+318001234')).toBeUndefined();
    const again = await api.call('POST', `/api/v1/customers/${customerId}/numbers`, { token: PLATFORM_TOKEN, body: { number: '08001234' } });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/^\+318001234 is not available: it is quarantined until /);
  });
});

describe('numbers: a gebruiker has no access', () => {
  it('gets 403 on its own customer and 404 on another', async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    const { userToken } = await api.accountWithUser(a.customerId, a.adminToken, '1001');
    const own = await addNumber(a.customerId, { number: '0800 1234' });
    const other = await addNumber(b.customerId, { number: '0800 4321' });
    expect((await api.call('GET', `/api/v1/customers/${a.customerId}/numbers`, { token: userToken })).status).toBe(403);
    expect((await api.call('GET', `/api/v1/numbers/${own.id as string}`, { token: userToken })).status).toBe(403);
    expect((await api.call('PATCH', `/api/v1/numbers/${own.id as string}`, { token: userToken, body: { status: 'suspended' } })).status).toBe(403);
    expect((await api.call('GET', `/api/v1/numbers/${other.id as string}`, { token: userToken })).status).toBe(404);
    expect((await api.call('GET', `/api/v1/customers/${b.customerId}/numbers`, { token: userToken })).status).toBe(404);
    expect((await api.store.numbers.get(own.id as string))?.status).toBe('active');
  });

  it('needs a token at all (401)', async () => {
    const { customerId } = await api.customerWithAdmin('A');
    expect((await api.call('GET', `/api/v1/customers/${customerId}/numbers`)).status).toBe(401);
  });
});

describe('numbers: deleting the customer', () => {
  it('frees its numbers', async () => {
    const { customerId } = await api.customerWithAdmin('A');
    await addNumber(customerId, { number: '0800 1234' });
    expect((await api.call('DELETE', `/api/v1/customers/${customerId}`, { token: PLATFORM_TOKEN })).status).toBe(204);
    expect(await api.store.numbers.getByE164('+318001234')).toBeUndefined();
  });
});
