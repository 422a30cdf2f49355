/**
 * A real Linphone (the console client linphonec, Debian linphone-cli) provisioned by us: `contactsuite
 * start`, the admin API adds a Linphone softphone for an account, linphonec starts with nothing
 * but that link as its `[misc] config-uri`, fetches its configuration, REGISTERs with the
 * password in it, and then answers a colleague's call routed to it by the running app.
 *
 * linphonec quirks (see /work/shared/toolchain.md): it fetches the config-uri without HTTP auth
 * (the secret is in the link), and it only runs its event loop while it reads commands, so the
 * test keeps typing "status register" into its stdin.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { describeRun, runSipp } from '../support/sipp.js';

const CALLS = new URL('../scenarios/calls/', import.meta.url).pathname;
const TOKEN = 'provisioning-e2e-platform-token';
const dataDir = mkdtempSync(join(tmpdir(), 'cs-linphone-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const haveLinphonec = spawnSync('linphonec', ['-v']).error === undefined;

async function waitFor(what: () => boolean, tries: number, stepMs: number): Promise<boolean> {
  for (let i = 0; i < tries && !what(); i++) await new Promise((r) => setTimeout(r, stepMs));
  return what();
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe('linphonec provisioned from our endpoint', () => {
  it('fetches its configuration through the API-issued link, registers, and answers a call', async () => {
    expect(haveLinphonec, 'linphonec is missing: apt-get install linphone-cli (scripts/test.sh does)').toBe(true);
    const [sipPort, controlPort, httpPort, linphonePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const [rtpMin] = [await freePort()];
    const app = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'info',
        SIP_HOST: '127.0.0.1',
        SIP_PORT: String(sipPort),
        CONTROL_PORT: String(controlPort),
        HTTP_PORT: String(httpPort),
        DATA_DIR: join(dataDir, 'data'),
        ADMIN_TOKEN: TOKEN,
        DEMO: 'off',
        // On loopback the phone's identity must be an IP literal: a host name would make it ask DNS.
        SIP_DOMAIN: '127.0.0.1',
        PROVISIONING_SIP_HOST: '127.0.0.1',
        PROVISIONING_PUBLIC_URL: `http://127.0.0.1:${httpPort}/provisioning`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let appOut = '';
    app.stdout.on('data', (d: Buffer) => (appOut += d.toString()));
    app.stderr.on('data', (d: Buffer) => (appOut += d.toString()));
    let phone: ChildProcess | undefined;
    let typing: NodeJS.Timeout | undefined;
    try {
      expect(await waitFor(() => appOut.includes('contactsuite listening'), 400, 50), appOut).toBe(true);
      const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
        const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const cid = (await api('POST', '/customers', { name: 'Thuiswerkers BV' })).body.id as string;
      const soft = await api('POST', `/customers/${cid}/accounts`, { username: '401', displayName: 'Thuis' });
      const desk = await api('POST', `/customers/${cid}/accounts`, { username: '402', displayName: 'Kantoor' });
      const device = await api('POST', `/customers/${cid}/devices`, { model: 'Linphone softphone', lines: [soft.body.id] });
      expect(device.status).toBe(201);
      const link = await api('GET', `/devices/${device.body.id as string}/provisioning`);
      const url = link.body.url as string;
      expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${httpPort}/provisioning/linphone/`));

      // linphonec knows nothing but the link (and local ports, so parallel tests do not collide).
      const home = join(dataDir, 'home');
      mkdirSync(join(home, '.local', 'share', 'linphone'), { recursive: true });
      const rc = join(home, 'linphonerc');
      writeFileSync(
        rc,
        [
          '[misc]',
          `config-uri=${url}`,
          '[sip]',
          `sip_port=${linphonePort}`,
          'sip_tcp_port=-1',
          'sip_tls_port=-1',
          '[rtp]',
          `audio_rtp_port=${rtpMin}`,
          `video_rtp_port=${rtpMin + 2}`,
          '',
        ].join('\n'),
      );
      phone = spawn('linphonec', ['-c', rc, '-a', '-d', '0'], { env: { PATH: process.env.PATH ?? '', HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] });
      let phoneOut = '';
      phone.stdout?.on('data', (d: Buffer) => (phoneOut += d.toString()));
      phone.stderr?.on('data', (d: Buffer) => (phoneOut += d.toString()));
      const stdin = phone.stdin!;
      typing = setInterval(() => {
        if (!stdin.destroyed) stdin.write('status register\n');
      }, 300);

      // Registered with the account the link carried: the app answered its REGISTER with 200.
      expect(await waitFor(() => /registered, identity="Thuis" <sip:401@127\.0\.0\.1>/.test(phoneOut), 100, 200), phoneOut).toBe(true);
      expect(appOut).toContain('provisioning file served');

      // The app now routes 401 to linphonec, which answers (-a): proof the binding is in the app.
      const call = await runSipp({
        scenario: `${CALLS}caller-call.xml`,
        remote: `127.0.0.1:${sipPort}`,
        localPort: await freePort(),
        calls: 1,
        timeoutMs: 20_000,
        vars: { caller: '402' },
        extra: ['-s', '401', '-au', '402', '-ap', desk.body.password as string],
      });
      expect(call.successful, `${describeRun(call)}\n${phoneOut.slice(-2000)}`).toBe(1);
      // The link's secret is in no log line of the app.
      expect(appOut).not.toContain(new URL(url).pathname);
    } finally {
      clearInterval(typing);
      phone?.stdin?.end('quit\n');
      await stop(phone);
      await stop(app);
    }
  }, 90_000);
});
