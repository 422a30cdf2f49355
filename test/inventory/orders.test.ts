import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLATFORM, startInventoryRig, type InventoryRig } from './rig.js';

const CSV = [
  'number,per_minute_cents,per_call_cents,start_fee_cents,max_per_call_cents',
  '0858 001 000-0858 001 999',
  '0909 111 0000,80,,,',
  '0900 123 4000,100,,,1000',
].join('\n');

/** Monday 23 November 2026, 10:00 in Amsterdam. */
const START = '2026-11-23T09:00:00Z';
const DAY = 86_400_000;

let rig: InventoryRig;
afterEach(async () => {
  await rig?.close();
});

async function stocked(options = {}): Promise<void> {
  rig = await startInventoryRig({ start: START, options });
  const imported = await rig.call('POST', '/api/v1/inventory/import', PLATFORM, { csv: CSV });
  expect(imported.body).toEqual({ added: 1002, alreadyInStock: [] });
}

describe('ordering a direct-available number', () => {
  beforeEach(async () => {
    await stocked();
  });

  it('search, order, confirm (mail in Dutch first), activate: the number runs the plan and a contract starts', async () => {
    const { customerId, admin } = await rig.customer('Bakkerij de Vries');
    const plan = await rig.store.plans.create({ customerId, name: 'Winkel' });

    const found = await rig.call('GET', '/api/v1/inventory/numbers?type=085&wildcard=085-*-000&pageSize=5', admin);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ total: 1, page: 1, pageSize: 5 });
    const picked = (found.body.items as { national: string; history?: unknown }[])[0];
    expect(picked.national).toBe('0858001000');
    expect(picked.history).toBeUndefined();

    const created = await rig.call('POST', '/api/v1/orders', admin, { number: picked.national, planId: plan.id, email: 'inkoop@bakkerijdevries.nl' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'reserved', kind: 'direct', customerId, e164: '+31858001000', reservedUntil: Date.parse(START) + 60 * 60_000 });
    const orderId = created.body.id as string;

    // Reserved: no longer offered to anyone.
    const again = await rig.call('GET', '/api/v1/inventory/numbers?type=085&endsWith=1000', admin);
    expect(again.body.total).toBe(0);
    const other = await rig.customer('Slagerij Jansen');
    expect((await rig.call('POST', '/api/v1/orders', other.admin, { number: '0858001000', email: 'a@b.nl' })).body).toMatchObject({
      error: 'conflict',
      field: 'number',
      message: '+31858001000 is not available (it is reserved)',
    });

    const confirmed = await rig.call('POST', `/api/v1/orders/${orderId}/confirm`, admin);
    expect(confirmed.body).toMatchObject({ status: 'confirmed', month: '2026-11' });
    const [mail] = await rig.smtp.waitForMails(1);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('inkoop@bakkerijdevries.nl');
    expect(mail.subject).toBe('Orderbevestiging 0858001000 / Order confirmation');
    const text = mail.text ?? '';
    expect(text.startsWith('Beste Bakkerij de Vries,')).toBe(true);
    expect(text).toContain(`Ordernummer: ${orderId}`);
    expect(text).toContain('Besteld op:  2026-11-23');
    expect(text).toContain('minimaal 12 maanden');
    expect(text.indexOf('Bedankt voor uw bestelling')).toBeLessThan(text.indexOf('Thank you for your order'));

    // Activation is the platform's: a beheerder cannot put a number live.
    expect((await rig.call('POST', `/api/v1/orders/${orderId}/activate`, admin)).status).toBe(403);
    const active = await rig.call('POST', `/api/v1/orders/${orderId}/activate`, PLATFORM);
    expect(active.body).toMatchObject({ status: 'active' });
    const numberId = active.body.numberId as string;

    const live = await rig.call('GET', `/api/v1/numbers/${numberId}`, admin);
    expect(live.body).toMatchObject({ e164: '+31858001000', status: 'active', planId: plan.id, customerId });

    const contracts = await rig.call('GET', '/api/v1/contracts', admin);
    expect(contracts.items).toEqual([
      expect.objectContaining({ e164: '+31858001000', signedOn: '2026-11-23', startOn: '2026-11-23', minimumEndOn: '2027-11-22', status: 'running', numberId }),
    ]);
    expect((await rig.call('GET', '/api/v1/contracts', other.admin)).items).toEqual([]);
    expect((await rig.call('GET', `/api/v1/contracts/${contracts.items[0].id as string}`, other.admin)).status).toBe(404);

    const stockView = await rig.call('GET', '/api/v1/inventory/numbers/+31858001000', PLATFORM);
    expect((stockView.body.history as { to: string; by: string }[]).map((h) => `${h.to} by ${h.by.split(':')[0]}`)).toEqual([
      'available by platform',
      'reserved by beheerder',
      'ordered by beheerder',
      'active by platform',
    ]);

    // Issue 12 reads orders by customer and month.
    expect((await rig.call('GET', `/api/v1/orders?customerId=${customerId}&month=2026-11`, PLATFORM)).items.map((o) => o.id)).toEqual([orderId]);
    expect((await rig.call('GET', `/api/v1/orders?month=2026-12`, PLATFORM)).items).toEqual([]);
    expect((await rig.call('GET', `/api/v1/orders/${orderId}`, other.admin)).status).toBe(404);
  });

  it('a reservation that is not confirmed in time lapses: the number is back in stock and the order cancelled', async () => {
    const { admin } = await rig.customer('Bakkerij de Vries');
    const created = await rig.call('POST', '/api/v1/orders', admin, { number: '0858 001 500', email: 'inkoop@example.nl' });
    rig.clock.now += 61 * 60_000;
    expect((await rig.call('POST', `/api/v1/orders/${created.body.id as string}/confirm`, admin)).body).toMatchObject({
      error: 'conflict',
      message: expect.stringContaining('lapsed'),
    });
    await rig.inventory.tick();
    expect((await rig.call('GET', `/api/v1/orders/${created.body.id as string}`, admin)).body.status).toBe('cancelled');
    expect((await rig.call('GET', '/api/v1/inventory/numbers?contains=8001500', admin)).body.total).toBe(1);
    expect(rig.smtp.mails).toEqual([]);
  });

  it('notice is checked and the contract ends: the number stops, goes into quarantine, and returns to stock after it', async () => {
    const { admin } = await rig.customer('Bakkerij de Vries');
    const order = await rig.call('POST', '/api/v1/orders', admin, { number: '0858 001 777', email: 'inkoop@example.nl' });
    await rig.call('POST', `/api/v1/orders/${order.body.id as string}/confirm`, admin);
    const active = await rig.call('POST', `/api/v1/orders/${order.body.id as string}/activate`, PLATFORM);
    const numberId = active.body.numberId as string;
    const contractId = (await rig.call('GET', '/api/v1/contracts', admin)).items[0].id as string;

    const tooEarly = await rig.call('POST', `/api/v1/contracts/${contractId}/notice`, admin, { endOn: '2027-06-30' });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body.message).toBe(
      "the contract can end on 2027-11-22 at the earliest: the 12-month minimum runs to 2027-11-22 and one month's notice from 2026-11-23 runs to 2026-12-22",
    );
    expect((await rig.call('POST', `/api/v1/contracts/${contractId}/notice`, admin, { noticeOn: '2026-11-24' })).body).toEqual({
      error: 'validation',
      issues: [{ path: 'noticeOn', message: 'notice cannot be dated in the future (2026-11-24; today is 2026-11-23)' }],
    });
    const notice = await rig.call('POST', `/api/v1/contracts/${contractId}/notice`, admin, {});
    expect(notice.body).toMatchObject({ status: 'notice_given', noticeGivenOn: '2026-11-23', endOn: '2027-11-22' });
    expect((await rig.call('POST', `/api/v1/contracts/${contractId}/notice`, admin, {})).body.message).toBe('notice was already given: the contract ends on 2027-11-22');

    // The last day of service still works.
    rig.clock.now = Date.parse('2027-11-22T22:00:00Z');
    await rig.inventory.tick();
    expect((await rig.call('GET', `/api/v1/numbers/${numberId}`, admin)).status).toBe(200);
    // The day after: gone, cancelled, in quarantine for 90 days.
    rig.clock.now = Date.parse('2027-11-22T23:00:00Z');
    await rig.inventory.tick();
    expect((await rig.call('GET', `/api/v1/numbers/${numberId}`, admin)).status).toBe(404);
    expect((await rig.call('GET', `/api/v1/contracts/${contractId}`, admin)).body.status).toBe('ended');
    const quarantined = await rig.call('GET', '/api/v1/inventory/numbers/0858001777', PLATFORM);
    expect(quarantined.body).toMatchObject({ state: 'quarantined', quarantinedUntil: rig.clock.now + 90 * DAY });
    expect((await rig.call('POST', '/api/v1/inventory/numbers/0858001777/state', PLATFORM, { state: 'available' })).body.message).toContain('in quarantine until');
    rig.clock.now += 90 * DAY;
    await rig.inventory.tick();
    expect((await rig.call('GET', '/api/v1/inventory/numbers/0858001777', admin)).body.state).toBe('available');
  });

  it('cancelling before activation puts the number back in stock', async () => {
    const { admin } = await rig.customer('Bakkerij de Vries');
    const order = await rig.call('POST', '/api/v1/orders', admin, { number: '0858 001 123', email: 'inkoop@example.nl' });
    await rig.call('POST', `/api/v1/orders/${order.body.id as string}/confirm`, admin);
    const cancelled = await rig.call('POST', `/api/v1/orders/${order.body.id as string}/cancel`, admin, { reason: 'verkeerd nummer' });
    expect(cancelled.body.status).toBe('cancelled');
    const n = await rig.call('GET', '/api/v1/inventory/numbers/0858001123', PLATFORM);
    expect(n.body).toMatchObject({ state: 'available' });
    expect((n.body.history as { reason?: string }[]).at(-1)?.reason).toBe('verkeerd nummer');
    expect((await rig.call('POST', `/api/v1/orders/${order.body.id as string}/activate`, PLATFORM)).body.message).toBe(
      `order ${order.body.id as string} is cancelled; it cannot become active`,
    );
  });

  it('refuses impossible state changes with the reason, and keeps stock management to the platform', async () => {
    const { admin } = await rig.customer('Bakkerij de Vries');
    const refused = await rig.call('POST', '/api/v1/inventory/numbers/0858001001/state', PLATFORM, { state: 'active' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('number +31858001001 is available; from available it can only become reserved, not active');
    expect((await rig.call('POST', '/api/v1/inventory/numbers/0858001001/state', admin, { state: 'reserved' })).status).toBe(403);
    expect((await rig.call('POST', '/api/v1/inventory/import', admin, { csv: CSV })).status).toBe(403);
    expect((await rig.call('GET', '/api/v1/inventory/numbers?state=reserved', admin)).status).toBe(403);
    expect((await rig.call('GET', '/api/v1/inventory/numbers?repeated=1', admin)).body).toMatchObject({ error: 'validation', issues: [{ path: 'repeated' }] });
  });

  it('rejects a CSV with errors, naming each line', async () => {
    const bad = await rig.call('POST', '/api/v1/inventory/import', PLATFORM, { csv: 'number\n0800 1234\n06 1234 5678\n0909 999 9999\n' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([
      { path: 'csv.line3', message: 'line 3: mobile numbers (06) cannot be service numbers' },
      { path: 'csv.line4', message: 'line 4: 0909 999 9999: a 0909 number needs a caller tariff (per minute and/or per call)' },
    ]);
    expect((await rig.call('GET', '/api/v1/inventory/numbers?type=0800', PLATFORM)).body.total).toBe(0);
  });

  it('searches 090x numbers by their caller tariff and shows what callers will hear', async () => {
    const { admin } = await rig.customer('Bakkerij de Vries');
    const found = await rig.call('GET', '/api/v1/inventory/numbers?perMinuteCents=80', admin);
    expect(found.body.items).toEqual([
      expect.objectContaining({ national: '09091110000', type: '0909', tariff: { perMinuteCents: 80 }, tariffAnnouncement: 'Dit gesprek kost 80 cent per minuut.' }),
    ]);
  });
});

describe('ordering a chosen number ("mooi nummer")', () => {
  beforeEach(async () => {
    await stocked();
  });

  it('waits for the ACM assignment and goes live with its tariff once it is recorded', async () => {
    const { customerId, admin } = await rig.customer('Waarzegster Madame Zora');
    const refusedTariff = await rig.call('POST', '/api/v1/orders', admin, { number: '0909 777 7777', kind: 'chosen', email: 'zora@example.nl', tariff: { perMinuteCents: 80, perCallCents: 500 } });
    expect(refusedTariff.body).toMatchObject({ error: 'validation', issues: [{ path: 'tariff', message: expect.stringContaining('perCallCents: must be at most 150 cents') }] });
    const inStock = await rig.call('POST', '/api/v1/orders', admin, { number: '0858 001 000', kind: 'chosen', email: 'zora@example.nl' });
    expect(inStock.body.message).toBe('+31858001000 is in stock: order it as a direct number');

    const order = await rig.call('POST', '/api/v1/orders', admin, { number: '0909 777 7777', kind: 'chosen', email: 'zora@example.nl', tariff: { perMinuteCents: 80 } });
    expect(order.status).toBe(201);
    const orderId = order.body.id as string;
    expect((await rig.call('POST', `/api/v1/orders/${orderId}/confirm`, admin)).body.status).toBe('awaiting_acm');
    const [mail] = await rig.smtp.waitForMails(1);
    expect(mail.text).toContain('de toewijzing door de ACM is aangevraagd');
    expect(mail.text).toContain('Beltarief:   Dit gesprek kost 80 cent per minuut.');

    expect((await rig.call('POST', `/api/v1/orders/${orderId}/activate`, PLATFORM)).body.message).toBe(`order ${orderId} waits for the ACM assignment: record it first`);
    expect((await rig.call('POST', `/api/v1/orders/${orderId}/acm-assignment`, admin, { reference: 'ACM/UIT/2026/123', assignedOn: '2026-12-14' })).status).toBe(403);
    rig.clock.now = Date.parse('2026-12-14T10:00:00Z');
    const active = await rig.call('POST', `/api/v1/orders/${orderId}/acm-assignment`, PLATFORM, { reference: 'ACM/UIT/2026/123', assignedOn: '2026-12-14' });
    expect(active.body).toMatchObject({ status: 'active', acm: { reference: 'ACM/UIT/2026/123', assignedOn: '2026-12-14' } });
    const live = await rig.call('GET', `/api/v1/numbers/${active.body.numberId as string}`, admin);
    expect(live.body).toMatchObject({ e164: '+319097777777', customerId, tariffAnnouncement: 'Dit gesprek kost 80 cent per minuut.' });
    // The contract is signed at the confirmation, not at the assignment.
    expect((await rig.call('GET', '/api/v1/contracts', admin)).items[0]).toMatchObject({ signedOn: '2026-11-23', month: '2026-11' });
  });
});

describe('automatic activation', () => {
  it('with INVENTORY_AUTO_ACTIVATE a confirmed direct order is live at once', async () => {
    await stocked({ autoActivate: true });
    const { admin } = await rig.customer('Bakkerij de Vries');
    const order = await rig.call('POST', '/api/v1/orders', admin, { number: '0858 001 222', email: 'inkoop@example.nl' });
    const confirmed = await rig.call('POST', `/api/v1/orders/${order.body.id as string}/confirm`, admin);
    expect(confirmed.body).toMatchObject({ status: 'active', history: [{ status: 'reserved' }, { status: 'confirmed' }, { status: 'active', by: 'system' }] });
    expect((await rig.call('GET', `/api/v1/numbers/${confirmed.body.numberId as string}`, admin)).body.status).toBe('active');
  });

  it('a platform order can create the customer on the way', async () => {
    await stocked();
    const order = await rig.call('POST', '/api/v1/orders', PLATFORM, { number: '0858 001 333', customer: { name: 'Nieuwe Klant BV' }, email: 'info@nieuwe.nl' });
    expect(order.status).toBe(201);
    const customer = await rig.call('GET', `/api/v1/customers/${order.body.customerId as string}`, PLATFORM);
    expect(customer.body.name).toBe('Nieuwe Klant BV');
  });
});

describe('a tariff change requested through the API', () => {
  it('takes effect after five working days around Kerst, and can be withdrawn only before then', async () => {
    rig = await startInventoryRig({ start: '2026-12-23T09:00:00Z' });
    await rig.call('POST', '/api/v1/inventory/import', PLATFORM, { csv: CSV });
    const { admin } = await rig.customer('Waarzegster Madame Zora');
    const other = await rig.customer('Slagerij Jansen');
    const order = await rig.call('POST', '/api/v1/orders', admin, { number: '0909 111 0000', email: 'zora@example.nl' });
    await rig.call('POST', `/api/v1/orders/${order.body.id as string}/confirm`, admin);
    const numberId = (await rig.call('POST', `/api/v1/orders/${order.body.id as string}/activate`, PLATFORM)).body.numberId as string;

    expect((await rig.call('POST', `/api/v1/numbers/${numberId}/tariff-changes`, other.admin, { tariff: { perMinuteCents: 90 } })).status).toBe(404);
    const invalid = await rig.call('POST', `/api/v1/numbers/${numberId}/tariff-changes`, admin, { tariff: { perCallCents: 500 } });
    expect(invalid.body).toEqual({ error: 'validation', issues: [{ path: 'tariff', message: 'perCallCents: must be at most 150 cents' }] });
    const change = await rig.call('POST', `/api/v1/numbers/${numberId}/tariff-changes`, admin, { tariff: { perMinuteCents: 90 } });
    expect(change.status).toBe(201);
    // Wednesday 23 December: Thursday 24, (Kerstmis), Monday 28, Tuesday 29, Wednesday 30, Thursday 31.
    expect(change.body).toMatchObject({ effectiveOn: '2026-12-31', status: 'pending', tariffAnnouncement: 'Dit gesprek kost 90 cent per minuut.' });
    const second = await rig.call('POST', `/api/v1/numbers/${numberId}/tariff-changes`, admin, { tariff: { perMinuteCents: 70 } });
    expect((await rig.call('POST', `/api/v1/tariff-changes/${second.body.id as string}/withdraw`, other.admin)).status).toBe(404);
    expect((await rig.call('POST', `/api/v1/tariff-changes/${second.body.id as string}/withdraw`, admin)).body.status).toBe('withdrawn');

    rig.clock.now = Date.parse('2026-12-30T22:59:00Z');
    await rig.inventory.tick();
    expect((await rig.call('GET', `/api/v1/numbers/${numberId}`, admin)).body.tariffAnnouncement).toBe('Dit gesprek kost 80 cent per minuut.');
    rig.clock.now = Date.parse('2026-12-30T23:00:00Z');
    await rig.inventory.tick();
    expect((await rig.call('GET', `/api/v1/numbers/${numberId}`, admin)).body.tariffAnnouncement).toBe('Dit gesprek kost 90 cent per minuut.');
    expect((await rig.call('GET', `/api/v1/numbers/${numberId}/tariff-changes`, admin)).items.map((c) => c.status)).toEqual(['applied', 'withdrawn']);
    expect((await rig.call('POST', `/api/v1/tariff-changes/${change.body.id as string}/withdraw`, admin)).status).toBe(409);
  });
});

describe('admin state changes of a live number', () => {
  it('suspending silences the number, resuming brings it back, ending it removes it and ends the contract', async () => {
    await stocked();
    const { admin } = await rig.customer('Bakkerij de Vries');
    const order = await rig.call('POST', '/api/v1/orders', admin, { number: '0858 001 444', email: 'inkoop@example.nl' });
    const orderId = order.body.id as string;
    expect((await rig.call('POST', '/api/v1/inventory/numbers/0858001444/state', PLATFORM, { state: 'available' })).body.message).toBe(
      `reserved → available goes through the order ${orderId}: POST /orders/{id}/confirm, /activate, /acm-assignment or /cancel`,
    );
    await rig.call('POST', `/api/v1/orders/${orderId}/confirm`, admin);
    const numberId = (await rig.call('POST', `/api/v1/orders/${orderId}/activate`, PLATFORM)).body.numberId as string;

    expect((await rig.call('POST', '/api/v1/inventory/numbers/0858001444/state', PLATFORM, { state: 'suspended', reason: 'misbruik gemeld' })).body.state).toBe('suspended');
    expect((await rig.call('GET', `/api/v1/numbers/${numberId}`, admin)).body.status).toBe('suspended');
    await rig.call('POST', '/api/v1/inventory/numbers/0858001444/state', PLATFORM, { state: 'active' });
    expect((await rig.call('GET', `/api/v1/numbers/${numberId}`, admin)).body.status).toBe('active');

    expect((await rig.call('POST', '/api/v1/inventory/numbers/0858001444/state', PLATFORM, { state: 'cancelled' })).body.state).toBe('cancelled');
    expect((await rig.call('GET', `/api/v1/numbers/${numberId}`, admin)).status).toBe(404);
    expect((await rig.call('GET', '/api/v1/contracts', admin)).items[0]).toMatchObject({ status: 'ended', endOn: '2026-11-23' });
    await rig.inventory.tick();
    expect((await rig.call('GET', '/api/v1/inventory/numbers/0858001444', PLATFORM)).body.state).toBe('quarantined');
  });

  it("a deleted customer's live number goes into quarantine and its reservations back to stock", async () => {
    await stocked();
    const { customerId, admin } = await rig.customer('Weg BV');
    const live = await rig.call('POST', '/api/v1/orders', admin, { number: '0858 001 555', email: 'a@example.nl' });
    await rig.call('POST', `/api/v1/orders/${live.body.id as string}/confirm`, admin);
    await rig.call('POST', `/api/v1/orders/${live.body.id as string}/activate`, PLATFORM);
    await rig.call('POST', '/api/v1/orders', admin, { number: '0858 001 556', email: 'a@example.nl' });
    await rig.call('POST', '/api/v1/orders', admin, { number: '0909 888 8888', kind: 'chosen', tariff: { perMinuteCents: 50 }, email: 'a@example.nl' });
    expect((await rig.call('DELETE', `/api/v1/customers/${customerId}`, PLATFORM)).status).toBe(204);
    await rig.inventory.tick();
    const state = async (n: string): Promise<unknown> => (await rig.call('GET', `/api/v1/inventory/numbers/${n}`, PLATFORM)).body.state;
    expect(await state('0858001555')).toBe('quarantined');
    expect(await state('0858001556')).toBe('available');
    expect(await state('09098888888')).toBeUndefined();
    expect((await rig.call('GET', `/api/v1/orders?customerId=${customerId}`, PLATFORM)).items).toEqual([]);
  });
});

describe('first traffic', () => {
  it('records the first call to the number; a call before the signature moves the start of the contract', async () => {
    await stocked();
    const { customerId, admin } = await rig.customer('Bakkerij de Vries');
    const order = await rig.call('POST', '/api/v1/orders', admin, { number: '0858 001 666', email: 'a@example.nl' });
    await rig.call('POST', `/api/v1/orders/${order.body.id as string}/confirm`, admin);
    await rig.call('POST', `/api/v1/orders/${order.body.id as string}/activate`, PLATFORM);

    await rig.inventory.recordTraffic({ e164: '+31858001666', customerId }, Date.parse('2026-11-24T08:00:00Z'));
    expect((await rig.call('GET', '/api/v1/contracts', admin)).items[0]).toMatchObject({ firstTrafficOn: '2026-11-24', startOn: '2026-11-23', minimumEndOn: '2027-11-22' });
    // 23:30 UTC on 19 November is 00:30 on 20 November in Amsterdam.
    await rig.inventory.recordTraffic({ e164: '+31858001666', customerId }, Date.parse('2026-11-19T23:30:00Z'));
    expect((await rig.call('GET', '/api/v1/contracts', admin)).items[0]).toMatchObject({ firstTrafficOn: '2026-11-20', startOn: '2026-11-20', minimumEndOn: '2027-11-19' });
  });
});
