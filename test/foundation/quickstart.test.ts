/**
 * The product as an operator meets it: `contactsuite start` on the embedded default, the admin
 * API creates a customer and two accounts, a SIPp phone registers with the password the API
 * handed out, and another phone of the same customer calls it by extension.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { describeRun, runSipp, scenario, startSipp } from '../support/sipp.js';

const CALLS = new URL('../scenarios/calls/', import.meta.url).pathname;
const TOKEN = 'quickstart-platform-token';
const dataDir = mkdtempSync(join(tmpdir(), 'cs-quickstart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('quick start: start, create accounts through the API, register and call', () => {
  it('lets a phone register with the API-issued password and receive a call from a colleague', async () => {
    const [sipPort, controlPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'warn',
        SIP_HOST: '127.0.0.1',
        SIP_PORT: String(sipPort),
        CONTROL_PORT: String(controlPort),
        HTTP_PORT: String(httpPort),
        DATA_DIR: dataDir,
        ADMIN_TOKEN: TOKEN,
        // The demo would take the usernames 201 and 202 this test creates through the API.
        DEMO: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 400 && !out.includes('contactsuite listening'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain('contactsuite listening');

      const api = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const customer = await api('POST', '/customers', { name: 'Tandartspraktijk Jansen' });
      expect(customer.status).toBe(201);
      const cid = customer.body.id as string;
      const alice = await api('POST', `/customers/${cid}/accounts`, { username: '201', displayName: 'Balie' });
      const bob = await api('POST', `/customers/${cid}/accounts`, { username: '202', displayName: 'Behandelkamer' });
      expect([alice.status, bob.status]).toEqual([201, 201]);
      const alicePassword = alice.body.password as string;
      const bobPassword = bob.body.password as string;
      expect(bobPassword.length).toBeGreaterThanOrEqual(16);

      // Bob's phone registers (digest with the API's password), then answers on that port.
      const remote = `127.0.0.1:${sipPort}`;
      const bobPort = await freePort();
      const reg = await runSipp({ scenario: `${CALLS}phone-register.xml`, remote, localPort: bobPort, timeoutMs: 10_000, extra: ['-s', '202', '-au', '202', '-ap', bobPassword] });
      expect(reg.successful, describeRun(reg)).toBe(1);
      const bobPhone = await startSipp({ scenario: scenario('uas-answer'), localPort: bobPort, calls: 1, timeoutMs: 15_000 });

      // Alice dials 202: challenged, authenticated, and put through to Bob's phone.
      const call = await runSipp({
        scenario: `${CALLS}caller-call.xml`,
        remote,
        localPort: await freePort(),
        calls: 1,
        timeoutMs: 15_000,
        vars: { caller: '201' },
        extra: ['-s', '202', '-au', '201', '-ap', alicePassword],
      });
      expect(call.successful, describeRun(call)).toBe(1);
      const answered = await bobPhone.done;
      expect(answered.successful, describeRun(answered)).toBe(1);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
