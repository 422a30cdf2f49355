/**
 * The numbers API goes through the inventory: a number the platform adds has a stock record with
 * its history, a direct order and a running contract; suspending, resuming, tariff corrections and
 * removal are recorded there, and a removed number stays in quarantine.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { amsterdamDate } from '../../src/inventory/calendar.js';
import { PLATFORM, startInventoryRig, type InventoryRig } from '../inventory/rig.js';

/** Monday 23 November 2026, 10:00 in Amsterdam. */
const START = '2026-11-23T09:00:00Z';
const DAY = 86_400_000;

let rig: InventoryRig;
beforeEach(async () => {
  rig = await startInventoryRig({ start: START, options: { quarantineDays: 30 } });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rig.close();
});

type History = { from?: string; to: string; by: string; reason?: string; at: number }[];

async function inventoryNumber(number: string): Promise<{ state: string; customerId?: string; history: History; tariff?: unknown }> {
  const res = await rig.call('GET', `/api/v1/inventory/numbers/${number}`, PLATFORM);
  expect(res.status).toBe(200);
  return res.body as { state: string; customerId?: string; history: History };
}

async function add(customerId: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  return rig.call('POST', `/api/v1/customers/${customerId}/numbers`, PLATFORM, body);
}

describe('POST /customers/{id}/numbers is a direct assignment through the inventory', () => {
  it('adds a never-imported number to the stock, then orders, confirms and activates it: record, order and contract', async () => {
    const { customerId } = await rig.customer('Sterrenwacht');
    const res = await add(customerId, { number: '0909 123 4567', tariff: { perMinuteCents: 80, maxPerCallCents: 800 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ e164: '+319091234567', customerId, status: 'active', tariff: { perMinuteCents: 80, maxPerCallCents: 800 } });

    const n = await inventoryNumber('09091234567');
    expect(n).toMatchObject({ state: 'active', customerId, origin: 'stock', tariff: { perMinuteCents: 80, maxPerCallCents: 800 } });
    expect(n.history.map((h) => [h.from, h.to, h.by])).toEqual([
      [undefined, 'available', 'platform'],
      ['available', 'reserved', 'platform'],
      ['reserved', 'ordered', 'platform'],
      ['ordered', 'active', 'platform'],
    ]);
    expect(n.history[0].reason).toMatch(/never imported/);
    expect(n.history.every((h) => h.at === Date.parse(START))).toBe(true);

    const orders = await rig.call('GET', `/api/v1/orders?customerId=${customerId}`, PLATFORM);
    expect(orders.items).toHaveLength(1);
    expect(orders.items[0]).toMatchObject({ kind: 'direct', status: 'active', e164: '+319091234567', numberId: res.body.id, createdBy: 'platform', month: '2026-11', email: '' });
    expect((orders.items[0].history as { status: string }[]).map((h) => h.status)).toEqual(['reserved', 'confirmed', 'active']);

    const contracts = await rig.call('GET', `/api/v1/contracts?customerId=${customerId}`, PLATFORM);
    expect(contracts.items).toHaveLength(1);
    expect(contracts.items[0]).toMatchObject({ status: 'running', numberId: res.body.id, signedOn: '2026-11-23', startOn: '2026-11-23', minimumEndOn: '2027-11-22' });
  });

  it('takes an available stock number with its registered tariff, and keeps its import in the history', async () => {
    const imported = await rig.call('POST', '/api/v1/inventory/import', PLATFORM, { csv: 'number,per_minute_cents,per_call_cents,start_fee_cents,max_per_call_cents\n0909 111 0000,80,,,\n' });
    expect(imported.body).toEqual({ added: 1, alreadyInStock: [] });
    const { customerId } = await rig.customer('Horoscoop BV');
    const res = await add(customerId, { number: '0909 111 0000', status: 'suspended' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'suspended', tariff: { perMinuteCents: 80 }, tariffAnnouncement: 'Dit gesprek kost 80 cent per minuut.' });
    const n = await inventoryNumber('+319091110000');
    expect(n.state).toBe('suspended');
    expect(n.history.map((h) => h.to)).toEqual(['available', 'reserved', 'ordered', 'active', 'suspended']);
    expect(n.history[0].reason).toBe('imported');
  });

  it('refuses (409, with the reason) a number reserved for another customer, and leaves it with them', async () => {
    await rig.call('POST', '/api/v1/inventory/import', PLATFORM, { csv: 'number\n0858 001 000\n' });
    const a = await rig.customer('A');
    const b = await rig.customer('B');
    const order = await rig.call('POST', '/api/v1/orders', a.admin, { number: '0858001000', email: 'a@example.nl' });
    expect(order.status).toBe(201);
    const res = await add(b.customerId, { number: '085 800 1000' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'conflict', field: 'number', message: '+31858001000 is not available: it is reserved for another customer' });
    expect(await inventoryNumber('0858001000')).toMatchObject({ state: 'reserved', customerId: a.customerId });
    expect(await rig.store.numbers.getByE164('+31858001000')).toBeUndefined();
  });
});

describe('POST /customers/{id}/numbers retried after a failure half-way', () => {
  it('resumes where activation stopped for the same customer: 201, one order and one contract, no 409', async () => {
    const { customerId } = await rig.customer('Herkansing BV');
    vi.spyOn(rig.store.numbers, 'create').mockRejectedValueOnce(new Error('redis connection lost'));
    const failed = await add(customerId, { number: '085 800 2000' });
    expect(failed.status).toBe(500);
    expect(await rig.store.numbers.getByE164('+31858002000')).toBeUndefined();

    rig.clock.now += 1000;
    const retried = await add(customerId, { number: '085 800 2000' });
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ e164: '+31858002000', customerId, status: 'active' });
    expect((await inventoryNumber('0858002000')).history.map((h) => h.to)).toEqual(['available', 'reserved', 'ordered', 'active']);
    const orders = await rig.call('GET', `/api/v1/orders?customerId=${customerId}`, PLATFORM);
    expect(orders.items).toEqual([expect.objectContaining({ status: 'active', numberId: retried.body.id })]);
    const contracts = await rig.call('GET', `/api/v1/contracts?customerId=${customerId}`, PLATFORM);
    expect(contracts.items).toEqual([expect.objectContaining({ status: 'running', numberId: retried.body.id })]);
  });

  it('another customer still gets 409 while the first one holds it', async () => {
    const a = await rig.customer('A');
    const b = await rig.customer('B');
    vi.spyOn(rig.store.numbers, 'create').mockRejectedValueOnce(new Error('redis connection lost'));
    expect((await add(a.customerId, { number: '085 800 2000' })).status).toBe(500);
    const other = await add(b.customerId, { number: '085 800 2000' });
    expect(other.status).toBe(409);
    expect(other.body.message).toBe('+31858002000 is not available: it is active for another customer');
  });
});

describe('PATCH and DELETE /numbers/{id} go through the inventory', () => {
  it('suspends and resumes as recorded state changes with who did it; linking a plan is no state change', async () => {
    const { customerId, admin } = await rig.customer('A');
    const plan = await rig.store.plans.create({ customerId, name: 'Hoofdnummer' });
    const n = await add(customerId, { number: '085 123 4567' });
    const id = n.body.id as string;
    rig.clock.now += 1000;
    const suspended = await rig.call('PATCH', `/api/v1/numbers/${id}`, admin, { status: 'suspended', planId: plan.id });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ status: 'suspended', planId: plan.id });
    rig.clock.now += 1000;
    expect((await rig.call('PATCH', `/api/v1/numbers/${id}`, admin, { status: 'active' })).body.status).toBe('active');
    expect((await rig.call('PATCH', `/api/v1/numbers/${id}`, admin, { planId: null })).body).not.toHaveProperty('planId');
    const history = (await inventoryNumber('0851234567')).history.slice(4);
    expect(history).toEqual([
      { from: 'active', to: 'suspended', at: Date.parse(START) + 1000, by: expect.stringMatching(/^beheerder:/), reason: 'suspended' },
      { from: 'suspended', to: 'active', at: Date.parse(START) + 2000, by: expect.stringMatching(/^beheerder:/), reason: 'resumed' },
    ]);
    expect((await rig.store.numbers.get(id))?.status).toBe('active');
  });

  it('refuses a beheerder tariff change with the endpoint for a request (Dutch first); the platform correction is recorded', async () => {
    const { customerId, admin } = await rig.customer('A');
    const n = await add(customerId, { number: '0900 123 4567', tariff: { perMinuteCents: 15 } });
    const id = n.body.id as string;
    const refused = await rig.call('PATCH', `/api/v1/numbers/${id}`, admin, { tariff: { perMinuteCents: 10 } });
    expect(refused.status).toBe(403);
    expect(refused.body.field).toBe('tariff');
    expect(refused.body.message).toMatch(new RegExp(`^een beheerder wijzigt het beltarief via een aanvraag: POST /api/v1/numbers/${id}/tariff-changes`));

    const corrected = await rig.call('PATCH', `/api/v1/numbers/${id}`, PLATFORM, { tariff: { perMinuteCents: 10 } });
    expect(corrected.status).toBe(200);
    expect(corrected.body.tariff).toEqual({ perMinuteCents: 10 });
    const changes = await rig.call('GET', `/api/v1/numbers/${id}/tariff-changes`, admin);
    expect(changes.items).toEqual([
      expect.objectContaining({ tariff: { perMinuteCents: 10 }, status: 'applied', correction: true, requestedBy: 'platform', effectiveOn: '2026-11-23', appliedAt: Date.parse(START) }),
    ]);
    // The stock record carries the registered tariff too (a reissue after quarantine starts from it).
    expect((await inventoryNumber('09001234567')).tariff).toEqual({ perMinuteCents: 10 });
  });

  it('DELETE ends the contract and quarantines the number: not reissued until the quarantine is over', async () => {
    const a = await rig.customer('A');
    const b = await rig.customer('B');
    const n = await add(a.customerId, { number: '0800 1234' });
    expect((await rig.call('DELETE', `/api/v1/numbers/${n.body.id as string}`, PLATFORM)).status).toBe(204);
    expect(await rig.store.numbers.getByE164('+318001234')).toBeUndefined();
    const record = await inventoryNumber('08001234');
    expect(record.state).toBe('quarantined');
    expect(record.history.slice(-2).map((h) => [h.from, h.to, h.by])).toEqual([
      ['active', 'cancelled', 'platform'],
      ['cancelled', 'quarantined', 'platform'],
    ]);
    const contracts = await rig.call('GET', `/api/v1/contracts?customerId=${a.customerId}`, PLATFORM);
    expect(contracts.items[0]).toMatchObject({ status: 'ended', endOn: '2026-11-23' });

    const early = await add(b.customerId, { number: '0800 1234' });
    expect(early.status).toBe(409);
    expect(early.body.message).toBe('+318001234 is not available: it is quarantined until 2026-12-23T09:00:00.000Z');

    rig.clock.now += 30 * DAY;
    await rig.inventory.tick();
    const reissued = await add(b.customerId, { number: '0800 1234' });
    expect(reissued.status).toBe(201);
    expect((await inventoryNumber('08001234')).customerId).toBe(b.customerId);
  });
});

describe('numbers from before the inventory', () => {
  it('are adopted at start (record, order, contract), once, and then suspended and ended through the inventory', async () => {
    const { customerId, admin } = await rig.customer('Oud BV');
    // Written the way the numbers API did before the inventory existed.
    const legacy = await rig.store.numbers.create({ customerId, e164: '+319001234567', type: '0900', status: 'active', tariff: { perMinuteCents: 15 } });
    expect(await rig.inventory.adoptServiceNumbers()).toBe(1);
    expect(await rig.inventory.adoptServiceNumbers()).toBe(0);
    const n = await inventoryNumber('09001234567');
    expect(n).toMatchObject({ state: 'active', customerId, tariff: { perMinuteCents: 15 } });
    expect(n.history).toEqual([{ to: 'active', at: Date.parse(START), by: 'system', reason: 'in service before the inventory existed; adopted' }]);
    const contracts = await rig.call('GET', '/api/v1/contracts', admin);
    expect(contracts.items).toEqual([expect.objectContaining({ numberId: legacy.id, status: 'running', signedOn: amsterdamDate(legacy.createdAt) })]);

    expect((await rig.call('PATCH', `/api/v1/numbers/${legacy.id}`, admin, { status: 'suspended' })).body.status).toBe('suspended');
    expect((await rig.call('DELETE', `/api/v1/numbers/${legacy.id}`, PLATFORM)).status).toBe(204);
    expect((await inventoryNumber('09001234567')).state).toBe('quarantined');
    expect((await rig.call('GET', `/api/v1/contracts/${contracts.items[0].id as string}`, admin)).body.status).toBe('ended');
  });

  it('one met by the numbers API before the start adopted it is adopted there, then suspended', async () => {
    const { customerId, admin } = await rig.customer('Oud BV');
    const legacy = await rig.store.numbers.create({ customerId, e164: '+31851234567', type: '085', status: 'active' });
    rig.clock.now += 1000;
    expect((await rig.call('PATCH', `/api/v1/numbers/${legacy.id}`, admin, { status: 'suspended' })).body.status).toBe('suspended');
    expect((await inventoryNumber('0851234567')).history.map((h) => [h.from, h.to])).toEqual([
      [undefined, 'active'],
      ['active', 'suspended'],
    ]);
    expect(await rig.inventory.adoptServiceNumbers()).toBe(0);
  });
});
