/**
 * The devices API: what an admin may enter, and what an admin reads when a phone is not certified.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProvisioningRig, type ProvisioningRig } from './rig.js';

let rig: ProvisioningRig;
let customerId: string;
let otherCustomerId: string;
let accountId: string;
let foreignAccountId: string;
beforeAll(async () => {
  rig = await startProvisioningRig();
  customerId = (await rig.api('POST', '/api/v1/customers', { name: 'Bakkerij de Vries' })).body.id as string;
  otherCustomerId = (await rig.api('POST', '/api/v1/customers', { name: 'Garage Jansen' })).body.id as string;
  accountId = (await rig.api('POST', `/api/v1/customers/${customerId}/accounts`, { username: '201' })).body.id as string;
  foreignAccountId = (await rig.api('POST', `/api/v1/customers/${otherCustomerId}/accounts`, { username: '301' })).body.id as string;
});
afterAll(async () => {
  await rig.close();
});

const devices = (c = customerId): string => `/api/v1/customers/${c}/devices`;

describe('adding a device', () => {
  it('refuses a model that is not certified, in Dutch first, naming how to get it certified', async () => {
    const res = await rig.api('POST', devices(), { model: 'Cisco 7960', mac: '001565000001' });
    expect(res.status).toBe(400);
    const issue = (res.body.issues as Array<{ path: string; message: string }>)[0];
    expect(issue.path).toBe('model');
    expect(issue.message).toMatch(/^Model "Cisco 7960" is niet gecertificeerd; dien het in voor certificering\. Model "Cisco 7960" is not certified; submit it for certification\./);
    expect(issue.message).toContain('Yealink T54W');
  });

  it('refuses the same for an account\'s deviceModel: one model list', async () => {
    const res = await rig.api('PATCH', `/api/v1/accounts/${accountId}`, { deviceModel: 'Cisco 7960' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('niet gecertificeerd');
    const ok = await rig.api('PATCH', `/api/v1/accounts/${accountId}`, { deviceModel: 'snom d785' });
    expect(ok.body.deviceModel).toBe('Snom D785');
  });

  it.each([
    [{ model: 'Yealink T54W' }, 'mac'],
    [{ model: 'Linphone softphone', mac: '001565000001' }, 'mac'],
    [{ model: 'Yealink T54W', mac: '01:00:5e:00:00:01' }, 'mac'],
    [{ model: 'Yealink T54W', mac: '0015650000' }, 'mac'],
    [{ model: 'Yealink T19P E2', mac: '001565000001', lines: ['a', 'b'] }, 'lines'],
  ])('refuses %j at %s', async (body, path) => {
    const res = await rig.api('POST', devices(), body);
    expect(res.status).toBe(400);
    expect((res.body.issues as Array<{ path: string }>).map((i) => i.path)).toContain(path);
  });

  it('refuses another customer\'s account on a line, and the same account twice', async () => {
    const foreign = await rig.api('POST', devices(), { model: 'Yealink T54W', mac: '001565000002', lines: [foreignAccountId] });
    expect(foreign.status).toBe(400);
    expect(foreign.body.issues).toEqual([{ path: 'lines.0', message: expect.stringContaining('no account') }]);
    const twice = await rig.api('POST', devices(), { model: 'Yealink T54W', mac: '001565000002', lines: [accountId, accountId] });
    expect((twice.body.issues as Array<{ path: string }>).map((i) => i.path)).toEqual(['lines.1']);
  });

  it('normalizes the MAC and refuses one that is in use', async () => {
    const first = await rig.api('POST', devices(), { model: 'Yealink T54W', mac: '00-15-65-AB-CD-EF', lines: [accountId] });
    expect(first.status).toBe(201);
    expect(first.body.mac).toBe('001565abcdef');
    const again = await rig.api('POST', devices(otherCustomerId), { model: 'Snom D735', mac: '0015.65ab.cdef' });
    expect(again.status).toBe(409);
    expect(again.body.field).toBe('mac');
  });
});

describe('who sees what', () => {
  it('another customer\'s beheerder gets 404; a gebruiker cannot add or change devices', async () => {
    const d = await rig.api('POST', devices(), { model: 'Snom D717', mac: '000413000009', lines: [accountId] });
    const other = await rig.api('POST', `/api/v1/customers/${otherCustomerId}/tokens`, { role: 'beheerder', label: 'b' });
    expect((await rig.api('GET', `/api/v1/devices/${d.body.id as string}`, undefined, other.body.token as string)).status).toBe(404);
    const user = await rig.api('POST', `/api/v1/customers/${customerId}/tokens`, { role: 'gebruiker', accountId, label: 'u' });
    const userToken = user.body.token as string;
    expect((await rig.api('POST', devices(), { model: 'Linphone softphone' }, userToken)).status).toBe(403);
    expect((await rig.api('PATCH', `/api/v1/devices/${d.body.id as string}`, { label: 'x' }, userToken)).status).toBe(403);
    expect((await rig.api('GET', devices(), undefined, userToken)).status).toBe(200);
    // The desk phone's HTTP credentials would open colleagues' lines too.
    expect((await rig.api('GET', `/api/v1/devices/${d.body.id as string}/provisioning`, undefined, userToken)).status).toBe(403);
  });

  it('moves a replaced phone to its new MAC; the old MAC fetches nothing', async () => {
    const d = await rig.api('POST', devices(), { model: 'Yealink T57W', mac: '001565000020', lines: [accountId] });
    const moved = await rig.api('PATCH', `/api/v1/devices/${d.body.id as string}`, { mac: '00:15:65:00:00:21', label: 'Kantine' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ mac: '001565000021', label: 'Kantine' });
    expect((await rig.fetch('/provisioning/yealink/001565000020.cfg')).status).toBe(404);
    expect((await rig.fetch('/provisioning/yealink/001565000021.cfg')).status).toBe(401);
    expect((await rig.api('DELETE', `/api/v1/devices/${d.body.id as string}`)).status).toBe(204);
    expect((await rig.fetch('/provisioning/yealink/001565000021.cfg')).status).toBe(404);
  });
});

describe("an account's deviceModel follows the devices it is on", () => {
  const model = async (id: string): Promise<unknown> => (await rig.api('GET', `/api/v1/accounts/${id}`)).body.deviceModel;

  it('is set by binding a device to the account and cleared when the account leaves the device or the device goes', async () => {
    const a = (await rig.api('POST', `/api/v1/customers/${customerId}/accounts`, { username: '211' })).body.id as string;
    const b = (await rig.api('POST', `/api/v1/customers/${customerId}/accounts`, { username: '212' })).body.id as string;
    expect(await model(a)).toBeUndefined();
    const created = await rig.api('POST', devices(), { model: 'Yealink T54W', mac: '001565000211', lines: [a, b] });
    expect(created.status).toBe(201);
    const deviceId = created.body.id as string;
    expect([await model(a), await model(b)]).toEqual(['Yealink T54W', 'Yealink T54W']);

    // 212 leaves the phone: its model is cleared; the phone is swapped for another model: 211 follows.
    const changed = await rig.api('PATCH', `/api/v1/devices/${deviceId}`, { lines: [a], model: 'Snom D785' });
    expect(changed.status).toBe(200);
    expect([await model(a), await model(b)]).toEqual(['Snom D785', undefined]);

    // 211 also has a softphone: removing the desk phone leaves the softphone's model.
    const soft = await rig.api('POST', devices(), { model: 'Linphone softphone', lines: [a] });
    expect(soft.status).toBe(201);
    expect(await model(a)).toBe('Linphone softphone');
    expect((await rig.api('DELETE', `/api/v1/devices/${deviceId}`)).status).toBe(204);
    expect(await model(a)).toBe('Linphone softphone');
    expect((await rig.api('DELETE', `/api/v1/devices/${soft.body.id as string}`)).status).toBe(204);
    expect(await model(a)).toBeUndefined();
  });
});
