import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

describe('GET /accounts/{id}/registrations', () => {
  it("lists an account's registered phones to its beheerder and its own user, and to nobody else", async () => {
    const a = await api.customerWithAdmin('A');
    const b = await api.customerWithAdmin('B');
    const own = await api.accountWithUser(a.customerId, a.adminToken, '401');
    const colleague = await api.accountWithUser(a.customerId, a.adminToken, '402');
    await api.store.locations.save({
      accountId: own.accountId,
      contact: 'sip:401@192.0.2.7:5062;transport=tcp',
      source: { protocol: 'tcp', host: '192.0.2.7', port: 40123 },
      callId: 'c1',
      cseq: 3,
      expiresAt: Date.now() + 600_000,
      userAgent: 'Linphone/5.2',
    });
    const expected = [{ contact: 'sip:401@192.0.2.7:5062;transport=tcp', source: 'tcp 192.0.2.7:40123', userAgent: 'Linphone/5.2', expiresAt: expect.any(Number), registeredAt: expect.any(Number) }];
    expect((await api.call('GET', `/api/v1/accounts/${own.accountId}/registrations`, { token: a.adminToken })).items).toEqual(expected);
    expect((await api.call('GET', `/api/v1/accounts/${own.accountId}/registrations`, { token: own.userToken })).items).toEqual(expected);
    expect((await api.call('GET', `/api/v1/accounts/${colleague.accountId}/registrations`, { token: a.adminToken })).items).toEqual([]);
    expect((await api.call('GET', `/api/v1/accounts/${own.accountId}/registrations`, { token: colleague.userToken })).status).toBe(403);
    expect((await api.call('GET', `/api/v1/accounts/${own.accountId}/registrations`, { token: b.adminToken })).status).toBe(404);
  });

  it('shows when the phone last registered, and a refresh moves that forward', async () => {
    const a = await api.customerWithAdmin('A');
    const own = await api.accountWithUser(a.customerId, a.adminToken, '401');
    const first = Date.now() - 60_000;
    const phone = { accountId: own.accountId, contact: 'sip:401@192.0.2.7', source: { protocol: 'udp' as const, host: '192.0.2.7', port: 5060 }, callId: 'c', cseq: 1, expiresAt: Date.now() + 600_000 };
    await api.store.locations.save({ ...phone, registeredAt: first });
    const before = await api.call('GET', `/api/v1/accounts/${own.accountId}/registrations`, { token: own.userToken });
    expect(before.items).toEqual([expect.objectContaining({ contact: 'sip:401@192.0.2.7', registeredAt: first })]);
    // The refresh as the registrar saves it: same Call-ID, next CSeq, stamped when accepted.
    await api.store.locations.save({ ...phone, cseq: 2, expiresAt: Date.now() + 600_000 });
    const after = await api.call('GET', `/api/v1/accounts/${own.accountId}/registrations`, { token: own.userToken });
    expect(after.items).toEqual([expect.objectContaining({ contact: 'sip:401@192.0.2.7', registeredAt: expect.any(Number) })]);
    expect((after.items as Array<{ registeredAt: number }>)[0]?.registeredAt).toBeGreaterThan(first);
  });

  it('leaves out a binding that has expired', async () => {
    const a = await api.customerWithAdmin('A');
    const own = await api.accountWithUser(a.customerId, a.adminToken, '401');
    await api.store.locations.save({ accountId: own.accountId, contact: 'sip:401@192.0.2.7', source: { protocol: 'udp', host: '192.0.2.7', port: 5060 }, callId: 'c', cseq: 1, expiresAt: Date.now() - 1000 });
    expect((await api.call('GET', `/api/v1/accounts/${own.accountId}/registrations`, { token: a.adminToken })).items).toEqual([]);
  });
});
