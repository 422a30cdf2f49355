/*
 * Several app instances as production runs them, on one machine: one real redis-server, one
 * standalone SIP engine (`contactsuite engine`, a drop-in for drachtio-server, handing new
 * INVITEs to its connected apps in turn), and `contactsuite start` processes connected to it with
 * DRACHTIO_HOST/PORT/SECRET, the shared REDIS_URL and SECRETS_KEY, and each its own HTTP port,
 * RTP range, DATA_DIR and CDR_INSTANCE_ID. Phones and callers are SIPp processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisCdrKeys } from '../../src/cdr/RedisCdrLog.js';
import type { Cdr, OpenCdr } from '../../src/cdr/CdrTypes.js';
import { DEMO_CUSTOMER } from '../../src/calls/demo.js';
import { silentLogger } from '../../src/logger.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { freePort } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { describeRun, killAllSipp, runSipp, scenario, startSipp, type RunningSipp, type SippResult } from '../support/sipp.js';

export const NUMBERS = new URL('../scenarios/numbers/', import.meta.url).pathname;
export const CALLS = new URL('../scenarios/calls/', import.meta.url).pathname;
/** A phone that rings, answers after -d ms with its RTP at [$rtp], and waits for BYE. */
export const PHONE_ANSWER = scenario('huntgroups/phone-answer');
export const DEMO_PASSWORD = 'cluster-demo-password';

/** The plans the tests' numbers run (DIALPLANS_DIR of every instance). */
const PLANS: Record<string, string> = {
  // Round-robin between the two demo phones; the pointer lives in Redis (store.huntGroups).
  'cluster-team': `name: cluster-team
start: team
nodes:
  team:
    type: huntgroup
    strategy: round-robin
    members: [{ account: "201" }, { account: "202" }]
    memberRingMs: 5000
    ringTimeoutMs: 15000
    onNoAnswer: weg
    onBusy: weg
  weg:
    type: hangup
    cause: unavailable
`,
  // Straight to phone 201.
  'cluster-201': `name: cluster-201
start: bellen
nodes:
  bellen:
    type: forward
    to: { account: "201" }
    ringTimeoutMs: 15000
    onBusy: weg
    onNoAnswer: weg
    onFailure: weg
  weg:
    type: hangup
    cause: unavailable
`,
  // A short announcement, then the platform hangs up.
  'cluster-hello': `name: cluster-hello
start: welkom
nodes:
  welkom:
    type: announcement
    prompts: [nl/beep]
    next: weg
  weg:
    type: hangup
    cause: normal
`,
};

export interface Instance {
  name: string;
  child: ChildProcess;
  httpPort: number;
  output(): string;
  /** The exit code (null after a signal). */
  exited: Promise<number | null>;
  /** Call-IDs of the calls this instance logged as handled. */
  callIds(): Set<string>;
}

export interface ClusterOptions {
  /** SHUTDOWN_GRACE_SECONDS of every instance. */
  graceSeconds: number;
  /** CDR_RECOVERY_SECONDS of every instance. */
  recoverySeconds: number;
  /** RTP port ranges are taken from here on, 200 ports per instance started. */
  rtpBase: number;
}

export interface Cluster {
  sipPort: number;
  redis: TestRedis;
  store: RedisStore;
  startInstance(name: string): Promise<Instance>;
  /** A number of the demo customer on one of PLANS; returns what a caller dials. */
  addNumber(plan: keyof typeof PLANS & string, local: string): Promise<{ id: string; dial: string }>;
  openCdrs(): Promise<OpenCdr[]>;
  closedCdrs(): Promise<Cdr[]>;
  /** Registers a demo phone (201/202) on `port`, through whichever instance the engine picks. */
  register(username: string, port: number): Promise<void>;
  /** Registers each demo phone on a free port of its own; returns the ports by username. */
  registerPhones(usernames: string[]): Promise<Record<string, number>>;
  phone(port: number, calls: number, answerAfterMs?: number): Promise<RunningSipp>;
  /** A caller from the network on one of the numbers scenarios, e.g. 'caller-hangup'. */
  call(scenarioName: string, dial: string, opts?: { holdMs?: number; timeoutMs?: number }): Promise<RunningSipp>;
  stop(): Promise<void>;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
export { waitFor };

/** Reads pino JSON lines and collects every callId an instance logged about. */
function callIdsOf(output: string): Set<string> {
  const ids = new Set<string>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const rec = JSON.parse(line) as { callId?: unknown };
      if (typeof rec.callId === 'string') ids.add(rec.callId);
    } catch {
      // a partial line while the process writes
    }
  }
  return ids;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const redis = await startRedis();
  const secret = randomBytes(12).toString('hex');
  const secretsKey = randomBytes(32).toString('hex');
  const [sipPort, controlPort] = [await freePort(), await freePort()];
  const dialplans = mkdtempSync(join(tmpdir(), 'cs-cluster-plans-'));
  dirs.push(dialplans);
  for (const [name, text] of Object.entries(PLANS)) writeFileSync(join(dialplans, `${name}.yaml`), text);
  let rtpNext = opts.rtpBase;

  const spawnCli = (args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { child, output: () => out, exited };
  };

  const engine = spawnCli(
    ['engine', '--sip', `udp:127.0.0.1:${sipPort}`, '--sip', `tcp:127.0.0.1:${sipPort}`, '--control', `127.0.0.1:${controlPort}`, '--secret', secret, '--log-level', 'warn'],
    {},
  );
  const store = new RedisStore(redis.url, silentLogger());
  try {
    await waitFor('the engine to listen', () => engine.output().includes('contactsuite engine listening'), 20_000);
    if (!(await store.waitUntilReady(5000))) throw new Error(`test redis at ${redis.url} not ready`);
  } catch (err) {
    // No cluster object is handed out, so nobody else would stop what was started.
    engine.child.kill('SIGKILL');
    await store.close().catch(() => undefined);
    await redis.stop();
    rmSync(dialplans, { recursive: true, force: true });
    throw err;
  }
  const keys = redisCdrKeys();
  const reader = new Redis(redis.url);

  const cluster: Cluster = {
    sipPort,
    redis,
    store,
    async startInstance(name) {
      const httpPort = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), `cs-cluster-${name}-`));
      dirs.push(dataDir);
      mkdirSync(dataDir, { recursive: true });
      const rtpMin = rtpNext;
      rtpNext += 200;
      const proc = spawnCli(['start'], {
        LOG_LEVEL: 'info',
        SIP_HOST: '127.0.0.1',
        HTTP_PORT: String(httpPort),
        DATA_DIR: dataDir,
        REDIS_URL: redis.url,
        DRACHTIO_HOST: '127.0.0.1',
        DRACHTIO_PORT: String(controlPort),
        DRACHTIO_SECRET: secret,
        SECRETS_KEY: secretsKey,
        RTP_PORT_MIN: String(rtpMin),
        RTP_PORT_MAX: String(rtpMin + 198),
        CDR_INSTANCE_ID: name,
        CDR_RECOVERY_SECONDS: String(opts.recoverySeconds),
        SHUTDOWN_GRACE_SECONDS: String(opts.graceSeconds),
        DEMO: 'on',
        DEMO_PASSWORD,
        DIALPLANS_DIR: dialplans,
        RING_BEFORE_ANSWER: 'off',
      });
      await waitFor(`instance ${name} to start`, () => proc.output().includes('contactsuite listening') || proc.child.exitCode !== null, 30_000);
      if (!proc.output().includes('contactsuite listening')) throw new Error(`instance ${name} did not start:\n${proc.output()}`);
      return { name, child: proc.child, httpPort, output: proc.output, exited: proc.exited, callIds: () => callIdsOf(proc.output()) };
    },
    async addNumber(plan, local) {
      const demo = (await store.customers.list()).find((c) => c.name === DEMO_CUSTOMER);
      if (!demo) throw new Error('the demo customer was not seeded');
      const n = await store.numbers.create({ e164: `+31${local}`, type: 'geographic', customerId: demo.id, status: 'active', planId: `file:${plan}` });
      return { id: n.id, dial: `0${local}` };
    },
    openCdrs: async () => (await reader.hvals(keys.open)).map((v) => JSON.parse(v) as OpenCdr),
    closedCdrs: async () => (await reader.xrange(keys.stream, '-', '+')).map(([, f]) => JSON.parse(f[f.indexOf('cdr') + 1]) as Cdr),
    async register(username, port) {
      const reg = await runSipp({ scenario: `${CALLS}phone-register.xml`, remote: `127.0.0.1:${sipPort}`, localPort: port, timeoutMs: 10_000, extra: ['-s', username, '-au', username, '-ap', DEMO_PASSWORD] });
      if (reg.successful !== 1) throw new Error(`phone ${username} did not register: ${describeRun(reg)}`);
    },
    async registerPhones(usernames) {
      const ports: Record<string, number> = {};
      for (const user of usernames) {
        ports[user] = await freePort();
        await cluster.register(user, ports[user]);
      }
      return ports;
    },
    async phone(port, calls, answerAfterMs = 200) {
      return startSipp({ scenario: PHONE_ANSWER, localPort: port, calls, timeoutMs: 110_000, vars: { rtp: String(await freePort()) }, extra: ['-d', String(answerAfterMs)] });
    },
    async call(scenarioName, dial, o = {}) {
      return startSipp({
        scenario: `${NUMBERS}${scenarioName}.xml`,
        remote: `127.0.0.1:${sipPort}`,
        localPort: await freePort(),
        calls: 1,
        timeoutMs: o.timeoutMs ?? 40_000,
        vars: { caller: '0612345678', rtp: String(await freePort()) },
        extra: ['-s', dial, ...(o.holdMs !== undefined ? ['-d', String(o.holdMs)] : [])],
      });
    },
    async stop() {
      killAllSipp();
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
      reader.disconnect();
      await store.close().catch(() => undefined);
      await redis.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** The SIPp run's result, failing with SIPp's own account when it did not succeed. */
export async function succeeded(run: RunningSipp): Promise<SippResult> {
  const r = await run.done;
  if (r.successful !== 1) throw new Error(`call failed: ${describeRun(r)}`);
  return r;
}
