/**
 * Phones fetching their configuration: what a Yealink, a Snom and a Linphone user get, what a
 * stranger gets, and that a password reset reaches the phone at its next fetch.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLinphoneXml, readSnomXml, readYealinkCfg } from './parsers.js';
import { basic, digestAnswer, digestChallenge, startProvisioningRig, type ProvisioningRig } from './rig.js';

let rig: ProvisioningRig;
beforeEach(async () => {
  rig = await startProvisioningRig();
});
afterEach(async () => {
  await rig.close();
});

interface Setup {
  customerId: string;
  accounts: Array<{ id: string; username: string; password: string }>;
}

async function customerWithAccounts(name: string, ...usernames: string[]): Promise<Setup> {
  const c = await rig.api('POST', '/api/v1/customers', { name });
  expect(c.status).toBe(201);
  const customerId = c.body.id as string;
  const accounts = [];
  for (const username of usernames) {
    const a = await rig.api('POST', `/api/v1/customers/${customerId}/accounts`, { username, displayName: `Toestel ${username}` });
    expect(a.status).toBe(201);
    accounts.push({ id: a.body.id as string, username, password: a.body.password as string });
  }
  return { customerId, accounts };
}

async function addDevice(customerId: string, body: Record<string, unknown>): Promise<{ id: string; provisioning: { url: string; username?: string; password?: string } }> {
  const d = await rig.api('POST', `/api/v1/customers/${customerId}/devices`, body);
  expect(d.status, JSON.stringify(d.body)).toBe(201);
  return d.body as { id: string; provisioning: { url: string; username?: string; password?: string } };
}

describe('a Yealink desk phone', () => {
  it('is challenged, answers with Digest, and gets both its accounts', async () => {
    const { customerId, accounts } = await customerWithAccounts('Bakkerij de Vries', '201', '202');
    const device = await addDevice(customerId, { model: 'yealink t54w', mac: '00:15:65:A1:B2:C3', lines: accounts.map((a) => a.id) });
    expect(device.provisioning).toEqual({ vendor: 'yealink', url: 'http://prov.test.invalid/provisioning/yealink/', username: '001565a1b2c3', password: expect.any(String) });

    const path = '/provisioning/yealink/001565a1b2c3.cfg';
    const first = await rig.fetch(path);
    expect(first.status).toBe(401);
    expect(first.body).toBe('');
    const offers = ([] as Array<string | number>).concat(first.headers['www-authenticate'] ?? []).map(String);
    expect(offers.map((o) => o.split(' ')[0])).toEqual(['Digest', 'Basic']);

    const answer = digestAnswer(digestChallenge(first.headers), { username: '001565a1b2c3', password: device.provisioning.password!, uri: path });
    const second = await rig.fetch(path, { authorization: answer });
    expect(second.status).toBe(200);
    expect(second.headers['cache-control']).toBe('no-store');
    const cfg = readYealinkCfg(second.body);
    for (const [i, a] of accounts.entries()) {
      expect(cfg.get(`account.${i + 1}.user_name`)).toBe(a.username);
      expect(cfg.get(`account.${i + 1}.password`)).toBe(a.password);
      expect(cfg.get(`account.${i + 1}.sip_server.1.address`)).toBe('127.0.0.1');
    }
    expect(cfg.get('account.3.enable')).toBe('0');
    expect(cfg.get('static.auto_provision.server.password')).toBe(device.provisioning.password);
  });

  it('gets its model\'s common file, but not another model\'s', async () => {
    const { customerId, accounts } = await customerWithAccounts('Bakkerij de Vries', '201');
    const t54w = await addDevice(customerId, { model: 'Yealink T54W', mac: '001565a1b2c3', lines: [accounts[0].id] });
    const ok = await rig.fetch('/provisioning/yealink/y000000000096.cfg', { authorization: basic('001565a1b2c3', t54w.provisioning.password!) });
    expect(ok.status).toBe(200);
    expect(readYealinkCfg(ok.body).get('local_time.time_zone_name')).toBe('Netherlands(Amsterdam)');
    const other = await rig.fetch('/provisioning/yealink/y000000000053.cfg', { authorization: basic('001565a1b2c3', t54w.provisioning.password!) });
    expect(other.status).toBe(401);
    expect((await rig.fetch('/provisioning/yealink/y000000000999.cfg')).status).toBe(404);
  });

  it('sees a password reset of its account at the next fetch', async () => {
    const { customerId, accounts } = await customerWithAccounts('Bakkerij de Vries', '201');
    const device = await addDevice(customerId, { model: 'Yealink T19P E2', mac: '001565000001', lines: [accounts[0].id] });
    const auth = basic('001565000001', device.provisioning.password!);
    const before = readYealinkCfg((await rig.fetch('/provisioning/yealink/001565000001.cfg', { authorization: auth })).body);
    expect(before.get('account.1.password')).toBe(accounts[0].password);

    const reset = await rig.api('POST', `/api/v1/accounts/${accounts[0].id}/password`);
    expect(reset.status).toBe(201);
    const after = readYealinkCfg((await rig.fetch('/provisioning/yealink/001565000001.cfg', { authorization: auth })).body);
    expect(after.get('account.1.password')).toBe(reset.body.password);
    expect(after.get('account.1.password')).not.toBe(accounts[0].password);
  });
});

describe('a Snom desk phone', () => {
  it('fetches with Basic credentials and gets its identity', async () => {
    const { customerId, accounts } = await customerWithAccounts('Garage Jansen', '301');
    const device = await addDevice(customerId, { model: 'Snom D785', mac: '000413-4a5b6c', lines: [accounts[0].id], label: 'Werkplaats' });
    expect(device.provisioning.url).toBe('http://prov.test.invalid/provisioning/snom/0004134a5b6c.xml');
    const res = await rig.fetch('/provisioning/snom/0004134a5b6c.xml', { authorization: basic('0004134a5b6c', device.provisioning.password!) });
    expect(res.status).toBe(200);
    const s = readSnomXml(res.body);
    expect(s.get('user_name[1]')?.value).toBe('301');
    expect(s.get('user_pass[1]')?.value).toBe(accounts[0].password);
    expect(s.get('user_active[2]')?.value).toBe('off');
  });
});

describe('strangers', () => {
  it('get 404 and an empty body for a MAC we do not know, credentials or not', async () => {
    for (const authorization of [undefined, basic('001565ffffff', 'guess')]) {
      const res = await rig.fetch('/provisioning/yealink/001565ffffff.cfg', authorization ? { authorization } : {});
      expect(res.status).toBe(404);
      expect(res.body).toBe('');
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
    expect((await rig.fetch('/provisioning/snom/001565ffffff.xml')).status).toBe(404);
    expect((await rig.fetch('/provisioning/snom/../../etc/passwd')).status).toBe(404);
  });

  it('cannot use a wrong password, another device\'s credentials, or a Yealink\'s MAC at the Snom path', async () => {
    const { customerId, accounts } = await customerWithAccounts('Bakkerij de Vries', '201', '202');
    const a = await addDevice(customerId, { model: 'Yealink T41S', mac: '001565000001', lines: [accounts[0].id] });
    const b = await addDevice(customerId, { model: 'Yealink T41S', mac: '001565000002', lines: [accounts[1].id] });
    const path = '/provisioning/yealink/001565000001.cfg';
    expect((await rig.fetch(path, { authorization: basic('001565000001', 'wrong') })).status).toBe(401);
    expect((await rig.fetch(path, { authorization: basic('001565000002', b.provisioning.password!) })).status).toBe(401);
    const first = await rig.fetch(path);
    const otherDigest = digestAnswer(digestChallenge(first.headers), { username: '001565000002', password: b.provisioning.password!, uri: path });
    expect((await rig.fetch(path, { authorization: otherDigest })).status).toBe(401);
    expect((await rig.fetch('/provisioning/snom/001565000001.xml', { authorization: basic('001565000001', a.provisioning.password!) })).status).toBe(404);
  });

  it('are blocked after repeated failures, even when they then guess right', async () => {
    const { customerId, accounts } = await customerWithAccounts('Bakkerij de Vries', '201');
    const device = await addDevice(customerId, { model: 'Yealink T42S', mac: '001565000003', lines: [accounts[0].id] });
    const path = '/provisioning/yealink/001565000003.cfg';
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await rig.fetch(path, { authorization: basic('001565000003', `guess-${i}`), source: '127.0.0.66' })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(6)).toEqual([429]);
    const right = basic('001565000003', device.provisioning.password!);
    expect((await rig.fetch(path, { authorization: right, source: '127.0.0.66' })).status).toBe(429);
    // Another address is not affected.
    expect((await rig.fetch(path, { authorization: right, source: '127.0.0.67' })).status).toBe(200);
  });
});

describe('a Linphone user', () => {
  it('gets the link to enter in the app from the API, and the link gives the account', async () => {
    const { customerId, accounts } = await customerWithAccounts('Thuiswerkers BV', '401');
    const device = await addDevice(customerId, { model: 'Linphone softphone', lines: [accounts[0].id] });
    const token = await rig.api('POST', `/api/v1/customers/${customerId}/tokens`, { role: 'gebruiker', accountId: accounts[0].id, label: '401' });
    const link = await rig.api('GET', `/api/v1/devices/${device.id}/provisioning`, undefined, token.body.token as string);
    expect(link.status).toBe(200);
    expect(link.body).toEqual({ vendor: 'linphone', url: device.provisioning.url });
    const url = new URL(link.body.url as string);
    expect(url.pathname).toMatch(new RegExp(`^/provisioning/linphone/${device.id}/[A-Za-z0-9_-]{32}\\.xml$`));

    const res = await rig.fetch(url.pathname);
    expect(res.status).toBe(200);
    const { entries } = readLinphoneXml(res.body);
    expect(entries.get('auth_info_0.username')).toBe('401');
    expect(entries.get('auth_info_0.passwd')).toBe(accounts[0].password);
    expect(entries.get('proxy_0.reg_identity')).toBe('"Toestel 401" <sip:401@sip.test.invalid>');
    expect(entries.get('misc.config-uri')).toBe(link.body.url);

    // A leaked link is replaced: the old one stops working, the new one works.
    const renewed = await rig.api('POST', `/api/v1/devices/${device.id}/secret`);
    expect(renewed.status).toBe(201);
    expect(renewed.body.url).not.toBe(link.body.url);
    expect((await rig.fetch(url.pathname)).status).toBe(404);
    expect((await rig.fetch(new URL(renewed.body.url as string).pathname)).status).toBe(200);

    const wrong = url.pathname.replace(/\/[^/]+\.xml$/, '/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.xml');
    expect((await rig.fetch(wrong)).status).toBe(404);
    expect((await rig.fetch(url.pathname.replace(device.id, '11111111-2222-4333-8444-555555555555'))).status).toBe(404);
  });

  it('leaves no secret in the logs: no device secret, no SIP password, no softphone link', async () => {
    const { customerId, accounts } = await customerWithAccounts('Thuiswerkers BV', '401', '402');
    const soft = await addDevice(customerId, { model: 'Linphone softphone', lines: [accounts[0].id] });
    const desk = await addDevice(customerId, { model: 'Snom D717', mac: '000413000001', lines: [accounts[1].id] });
    await rig.fetch(new URL(soft.provisioning.url).pathname);
    await rig.fetch(new URL(soft.provisioning.url).pathname.replace(/[^/]+\.xml$/, 'guess.xml'));
    await rig.fetch('/provisioning/snom/000413000001.xml', { authorization: basic('000413000001', desk.provisioning.password!) });
    await rig.fetch('/provisioning/snom/000413000001.xml', { authorization: basic('000413000001', 'wrong-guess') });
    const logs = rig.logText();
    expect(logs).toContain('provisioning file served');
    const secret = new URL(soft.provisioning.url).pathname.split('/').pop()!.replace('.xml', '');
    for (const leak of [secret, desk.provisioning.password!, accounts[0].password, accounts[1].password, 'wrong-guess', '/provisioning/linphone/']) {
      expect(logs).not.toContain(leak);
    }
  });
});

describe('deletes', () => {
  it('a deleted account leaves the phone\'s lines; a deleted customer takes its phones along', async () => {
    const { customerId, accounts } = await customerWithAccounts('Bakkerij de Vries', '201', '202');
    const device = await addDevice(customerId, { model: 'Yealink W60P', mac: '001565000010', lines: accounts.map((a) => a.id) });
    const auth = basic('001565000010', device.provisioning.password!);
    expect((await rig.api('DELETE', `/api/v1/accounts/${accounts[0].id}`)).status).toBe(204);
    expect((await rig.api('GET', `/api/v1/devices/${device.id}`)).body.lines).toEqual([accounts[1].id]);
    const cfg = readYealinkCfg((await rig.fetch('/provisioning/yealink/001565000010.cfg', { authorization: auth })).body);
    expect(cfg.get('account.1.user_name')).toBe('202');
    expect(cfg.get('account.2.enable')).toBe('0');

    expect((await rig.api('DELETE', `/api/v1/customers/${customerId}`)).status).toBe(204);
    expect((await rig.fetch('/provisioning/yealink/001565000010.cfg', { authorization: auth })).status).toBe(404);
  });
});
