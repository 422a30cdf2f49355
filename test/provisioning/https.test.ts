/**
 * With PROVISIONING_TLS_CERT/KEY set, phones fetch over HTTPS: a Snom gets its settings over TLS
 * from a server whose certificate the client checks.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { buildProvisioningHttpsServer } from '../../src/provisioning/provisioningServer.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { freePort } from '../support/ports.js';
import { readSnomXml } from './parsers.js';
import { basic } from './rig.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-prov-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function get(port: number, path: string, ca: Buffer, authorization: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, headers: { authorization } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('provisioning over HTTPS', () => {
  it('serves a Snom its settings over TLS', async () => {
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
    const store = new MemoryStore();
    const secretKey = randomBytes(32);
    const secrets = new SecretBox(secretKey);
    const c = await store.customers.create({ name: 'Garage Jansen', status: 'active', creditLimitCents: 10_000 });
    const a = await store.accounts.create({ customerId: c.id, username: '301', displayName: 'Werkplaats', passwordEnc: secrets.encrypt('sip-password-301'), channelLimit: 2 });
    await store.devices.create({ customerId: c.id, model: 'Snom D735', mac: '000413000001', lines: [a.id], secretEnc: secrets.encrypt('device-secret-1') });
    const port = await freePort();
    const site = { sipDomain: 'sip.test.invalid', sipHost: '127.0.0.1', sipPort: 5060, transport: 'tcp' as const, registerExpires: 600, ntpServer: 'nl.pool.ntp.org', publicUrl: `https://127.0.0.1:${port}/provisioning`, recheckMinutes: 60 };
    const server = buildProvisioningHttpsServer({ store, secrets, secretKey, site, logger: silentLogger() }, { certFile, keyFile });
    await server.listen({ host: '127.0.0.1', port });
    try {
      const res = await get(port, '/provisioning/snom/000413000001.xml', readFileSync(certFile), basic('000413000001', 'device-secret-1'));
      expect(res.status).toBe(200);
      const s = readSnomXml(res.body);
      expect(s.get('user_pass[1]')?.value).toBe('sip-password-301');
      expect(s.get('user_outbound[1]')?.value).toBe('127.0.0.1:5060;transport=tcp');
      expect(s.get('setting_server')?.value).toBe(`https://000413000001:device-secret-1@127.0.0.1:${port}/provisioning/snom/000413000001.xml`);
      expect((await get(port, '/provisioning/snom/000413000001.xml', readFileSync(certFile), basic('000413000001', 'nope'))).status).toBe(401);
    } finally {
      await server.close();
      await store.close();
    }
  });
});
