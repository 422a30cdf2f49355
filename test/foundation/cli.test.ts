import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { faxAvailability } from '../../src/fax/faxAddon.js';
import { FakeDrachtio } from './fakeDrachtio.js';

/** Runs `npx tsx src/cli/main.ts …` with exactly the given environment (plus PATH/HOME for npx). */
function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface RunningCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout(): string;
  exited: Promise<number | null>;
  /** Polls `cond` (at most 20 s); fails early with the CLI's output if the CLI exits. */
  until(what: string, cond: () => boolean | Promise<boolean>): Promise<void>;
  /** Kills the CLI if a test failed before stopping it. */
  cleanup(): void;
}

/** `contactsuite start` as a long-running child. node --import tsx: one process, so SIGTERM reaches the CLI itself. */
function startCli(env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    child,
    stdout: () => stdout,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    async until(what, cond) {
      const deadline = Date.now() + 20_000;
      while (!(await cond())) {
        if (child.exitCode !== null) throw new Error(`start exited early: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stdout: ${stdout} stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    cleanup() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function health(httpPort: number): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/health`);
  return { status: res.status, body: await res.json() };
}

describe('contactsuite CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'contactsuite-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start with a bad variable: exit 1 and a message naming it', () => {
    const { status, stderr, stdout } = cli(['start'], { SIP_PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(status).toBe(1);
    expect(stderr).toContain('SIP_PORT="abc": expected an integer port 1-65535');
    expect(stderr).toContain('LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent');
    expect(stdout).not.toContain('listening');
  });

  it('`engine` refuses a malformed --sip or --control value with exit 1', () => {
    const { status, stderr } = cli(['engine', '--sip', 'sctp:127.0.0.1:5060', '--control', '127.0.0.1:99999', '--secret', 'cymru']);
    expect(status).toBe(1);
    expect(stderr).toContain('--sip "sctp:127.0.0.1:5060": expected udp:HOST:PORT or tcp:HOST:PORT');
    expect(stderr).toContain('--control "127.0.0.1:99999": expected HOST:PORT with a port 1-65535');
  });

  it('`config` prints the effective configuration with secrets masked', () => {
    const { status, stdout } = cli(['config'], { ADMIN_TOKEN: 'letmein-letmein-letmein', SIP_PORT: '5070' });
    expect(status).toBe(0);
    expect(stdout).toMatch(/^SIP_PORT\s+5070\s+\(env\)$/m);
    expect(stdout).toMatch(/^HTTP_PORT\s+8080\s+\(default\)$/m);
    expect(stdout).toMatch(/^ADMIN_TOKEN\s+\*\*\*\*\(23 chars\)\s+\(env\)$/m);
    expect(stdout).not.toContain('letmein');
  });

  it('`start` runs the embedded engine as a child, survives an engine crash, and stops everything on SIGTERM', async () => {
    const [sipPort, controlPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const run = startCli({
      SIP_HOST: '127.0.0.1',
      SIP_PORT: String(sipPort),
      CONTROL_PORT: String(controlPort),
      HTTP_PORT: String(httpPort),
      DATA_DIR: dataDir,
      ADMIN_TOKEN: 'platform-token-for-tests',
    });
    try {
      await run.until('the summary line', () => run.stdout().includes('contactsuite listening'));
      // The demo's SIP passwords go to a 0600 file, never to stdout where the logs go.
      await run.until('the demo line', () => run.stdout().includes('demo accounts 201, 202 created'));
      const credentials = join(dataDir, 'demo-accounts.txt');
      expect(statSync(credentials).mode & 0o777).toBe(0o600);
      const lines = readFileSync(credentials, 'utf8').trim().split('\n');
      expect(lines.map((l) => l.split(' ')[0])).toEqual(['201@contactsuite.local', '202@contactsuite.local']);
      for (const l of lines) expect(run.stdout()).not.toContain(l.split(' ')[1]);
      // The admin API is served: the platform token creates a customer.
      const created = await fetch(`http://127.0.0.1:${httpPort}/api/v1/customers`, {
        method: 'POST',
        headers: { authorization: 'Bearer platform-token-for-tests', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Bakkerij de Vries' }),
      });
      expect(created.status).toBe(201);
      expect(run.stdout()).toContain(`sip udp/127.0.0.1:${sipPort}, tcp/127.0.0.1:${sipPort}`);
      const pid = Number(/embedded engine, pid (\d+)/.exec(run.stdout())?.[1]);
      expect(pid).toBeGreaterThan(0);
      expect(pid).not.toBe(run.child.pid);
      expect((await health(httpPort)).status).toBe(200);
      // The engine child's figures reach the supervisor's /metrics: the app is counted there.
      const metrics = async () => (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      await run.until('engine figures in /metrics', async () => /sip_engine_stat\{stat="apps"\} 1\b/.test(await metrics()));

      // Crash the engine: /health reports it, then the supervisor restarts it and srf reconnects.
      process.kill(pid, 'SIGKILL');
      await run.until('/health 503 after the engine crash', async () => (await health(httpPort)).status === 503);
      await run.until('/health 200 after the engine restart', async () => (await health(httpPort)).status === 200);

      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      // The restarted engine went down with it: nothing listens on the control port any more.
      expect(await acceptsConnections(controlPort)).toBe(false);
    } finally {
      run.cleanup();
    }
  });

  it('`start` with DRACHTIO_HOST connects to that server, reports it lost in /health, and stops on SIGTERM', async () => {
    const server = new FakeDrachtio('cymru');
    const controlPort = await server.listen();
    const httpPort = await freePort();
    const run = startCli({
      DRACHTIO_HOST: '127.0.0.1',
      DRACHTIO_PORT: String(controlPort),
      DRACHTIO_SECRET: 'cymru',
      HTTP_PORT: String(httpPort),
      DATA_DIR: dataDir,
    });
    try {
      await run.until('the summary line', () => run.stdout().includes('contactsuite listening'));
      expect(run.stdout()).toContain('sip udp/127.0.0.1:5999, tcp/127.0.0.1:5999');
      expect(run.stdout()).toContain(`drachtio-server 127.0.0.1:${controlPort}`);
      expect(run.stdout()).toContain(`http 0.0.0.0:${httpPort}`);
      expect(await health(httpPort)).toEqual({
        status: 200,
        body: { status: 'ok', engine: { connected: true }, store: { reachable: true }, fax: faxAvailability(), mail: { pending: 0, dead: 0 } },
      });

      await server.close();
      await run.until('/health 503 after the server went away', async () => (await health(httpPort)).status === 503);
      expect((await health(httpPort)).body).toMatchObject({ status: 'fail', engine: { connected: false } });

      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.cleanup();
    }
  });
});
