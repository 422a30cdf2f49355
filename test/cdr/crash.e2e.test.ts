/*
 * A crash mid-call, as it happens in production: `contactsuite start` (CDRs in DATA_DIR/cdr, the
 * embedded default, or with REDIS_URL in a Redis Stream) takes a call to the demo 0909 number
 * from a SIPp caller; while the caller listens, the whole process group (app and its engine
 * child) gets SIGKILL. The restarted app closes the call's record, and a second restart does
 * not close it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisCdrKeys } from '../../src/cdr/RedisCdrLog.js';
import { freePort } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { killAllSipp, startSipp } from '../support/sipp.js';

const NUMBERS = new URL('../scenarios/numbers/', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'cs-cdr-crash-'));
const children: ChildProcess[] = [];
let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  killAllSipp();
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

interface App {
  child: ChildProcess;
  output(): string;
  exited: Promise<void>;
}

async function startApp(ports: { sip: number; control: number; http: number }, redisUrl?: string): Promise<App> {
  // Its own process group, so one signal reaches the app and the engine child it spawned.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      SIP_HOST: '127.0.0.1',
      SIP_PORT: String(ports.sip),
      CONTROL_PORT: String(ports.control),
      HTTP_PORT: String(ports.http),
      RTP_PORT_MIN: '41000',
      RTP_PORT_MAX: '41100',
      DATA_DIR: dataDir,
      DEMO: 'on',
      DEMO_PASSWORD: 'crash-test-password',
      CDR_INSTANCE_ID: 'crash-test',
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 400 && !out.includes('contactsuite listening'); i++) await new Promise((r) => setTimeout(r, 50));
  if (!out.includes('contactsuite listening')) throw new Error(`app did not start:\n${out}`);
  return { child, output: () => out, exited };
}

/** Where a backend keeps open and closed CDRs, as the test reads them. */
interface Backend {
  name: string;
  url?: () => string;
  openIds(): Promise<string[]>;
  openCallId(): Promise<string>;
  closed(): Promise<Array<Record<string, unknown>>>;
}

const files: Backend = {
  name: 'files (DATA_DIR/cdr)',
  openIds: async () => (existsSync(join(dataDir, 'cdr', 'open')) ? readdirSync(join(dataDir, 'cdr', 'open')).filter((n) => n.endsWith('.json')) : []),
  async openCallId() {
    const [name] = await files.openIds();
    return (JSON.parse(readFileSync(join(dataDir, 'cdr', 'open', name), 'utf8')) as { start: { callId: string } }).start.callId;
  },
  async closed() {
    const dir = join(dataDir, 'cdr');
    return readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  },
};

const keys = redisCdrKeys();
async function withRedis<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(redis.url);
  try {
    return await fn(r);
  } finally {
    await r.quit();
  }
}
const redisStream: Backend = {
  name: 'a Redis Stream',
  url: () => redis.url,
  openIds: () => withRedis((r) => r.hkeys(keys.open)),
  openCallId: () => withRedis(async (r) => (JSON.parse((await r.hvals(keys.open))[0]) as { start: { callId: string } }).start.callId),
  closed: () =>
    withRedis(async (r) => (await r.xrange(keys.stream, '-', '+')).map(([, f]) => JSON.parse(f[f.indexOf('cdr') + 1]) as Record<string, unknown>)),
};

describe.each([files, redisStream])('a crash mid-call, CDRs in $name', (backend) => {
  it('leaves an open CDR that the restarted app closes exactly once', async () => {
    const ports = { sip: await freePort(), control: await freePort(), http: await freePort() };
    const url = backend.url?.();
    const first = await startApp(ports, url);
    const caller = startSipp({
      scenario: `${NUMBERS}caller-hangup.xml`,
      remote: `127.0.0.1:${ports.sip}`,
      localPort: await freePort(),
      calls: 1,
      timeoutMs: 60_000,
      vars: { caller: '0612345678', rtp: String(await freePort()) },
      extra: ['-s', '09091234567', '-d', '30000'],
      trace: false,
    });
    for (let i = 0; i < 200 && (await backend.openIds()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await backend.openIds()).toHaveLength(1);
    const callId = await backend.openCallId();

    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;
    (await caller).kill();
    expect(await backend.openIds()).toHaveLength(1);

    const second = await startApp(ports, url);
    for (let i = 0; i < 100 && (await backend.openIds()).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await backend.openIds()).toEqual([]);
    const mine = (await backend.closed()).filter((c) => c.callId === callId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ called: '+319091234567', calledType: '0909', disposition: 'failed', recovered: true, chargeInclVatCents: 0 });
    expect(second.output()).toContain('closed a cdr left open by a crash');

    process.kill(-second.child.pid!, 'SIGTERM');
    await second.exited;
    const third = await startApp(ports, url);
    expect((await backend.closed()).filter((c) => c.callId === callId)).toHaveLength(1);
    process.kill(-third.child.pid!, 'SIGTERM');
    await third.exited;
  }, 90_000);
});
