/**
 * `npm run bench:register`: how many digest-authenticated registrations per second the registrar
 * sustains with no failure, its REGISTER-to-200 latency at half that rate, and peak memory.
 *
 * Topology as in production: the engine in its own process (`node dist/cli/main.js engine …`),
 * the registrar app in another (this file with --app: drachtio-srf + createRegistrar over a
 * MemoryStore seeded with N accounts), SIPp as the phones, each call registering one account from
 * an injection file (REGISTER, 401, REGISTER with credentials, 200). All traffic stays on
 * 127.0.0.1; each SIPp run is bounded by call count and time.
 *
 * Flags: --quick (short smoke run, not recorded unless --record), --refresh (count authenticated
 * REGISTERs of phones that also refresh with their nonce), --rates 1000,2000,…,
 * --step-seconds N, --accounts N, --cpu-prof (profile the app process; the .cpuprofile is kept
 * and its hottest functions printed), --no-record.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Srf from 'drachtio-srf';
import { createLogger } from '../logger.js';
import { DigestAuth } from '../sip/digest.js';
import { createRegistrar } from '../sip/registrar.js';
import { AuthThrottle } from '../sip/security.js';
import { MemoryStore } from '../store/MemoryStore.js';
import { SecretBox } from '../store/secrets.js';
import { freePort } from './ports.js';
import { type SippStep, appendBenchmarkSection, exited, peakMiB, percentile, readRtt, startEngine, waitForReady } from './processes.js';
import { exitMeaning, runSipp, scenario } from './sipp.js';

interface BenchOptions {
  rates: number[];
  stepSeconds: number;
  latencySeconds: number;
  accounts: number;
  record: boolean;
  quick: boolean;
  cpuProf: boolean;
  /**
   * Refresh mode: the rate counts authenticated REGISTERs, five per SIPp call (the registration
   * after the challenge, then four refreshes reusing the nonce, as phones do).
   */
  refresh: boolean;
}

/** Authenticated REGISTERs per SIPp call in refresh mode (bench-register-refresh.xml). */
const PER_REFRESH_CALL = 5;



interface Latency {
  rate: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  /** Registrations that took 500 ms or more: a request or response was lost and retransmitted (T1). */
  retransmitted: number;
  failed: number;
}

interface Figures {
  steps: SippStep[];
  /** Highest target rate with no failed registration and at least 95% of the target achieved. */
  maxRate: number;
  latency?: Latency;
  peakMiB: { engine: number; app: number };
  profile?: string;
}

const SECRET = 'bench-register';
const FULL_RATES = [1000, 2000, 3000, 4000, 5000, 6000, 7500, 10000];
const QUICK_RATES = [100, 200];
const REALM = 'bench.contactsuite';

const username = (i: number, n: number): string => `user${String(i).padStart(Math.max(4, String(n - 1).length), '0')}`;
const password = (user: string): string => `pw-${user}`;

function value(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const rates = value(argv, '--rates')?.split(',').map(Number) ?? (quick ? QUICK_RATES : FULL_RATES);
  if (rates.some((r) => !Number.isInteger(r) || r <= 0)) throw new Error(`--rates: expected positive integers, got "${value(argv, '--rates')}"`);
  const stepSeconds = Number(value(argv, '--step-seconds') ?? (quick ? 2 : 8));
  if (!(stepSeconds > 0 && stepSeconds <= 60)) throw new Error('--step-seconds: expected a number of seconds from 1 to 60');
  const accounts = Number(value(argv, '--accounts') ?? (quick ? 200 : 10_000));
  if (!Number.isInteger(accounts) || accounts < 1 || accounts > 1_000_000) throw new Error('--accounts: expected an integer from 1 to 1,000,000');
  return {
    rates,
    stepSeconds,
    latencySeconds: quick ? 2 : 8,
    accounts,
    record: argv.includes('--record') || (!quick && !argv.includes('--no-record')),
    quick,
    cpuProf: argv.includes('--cpu-prof'),
    refresh: argv.includes('--refresh'),
  };
}

// ---------------------------------------------------------------------------------------------
// The app process (--app): the registrar over a seeded MemoryStore.

async function runApp(argv: string[]): Promise<void> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'bench-registrar');
  const m = /^([^:]+):(\d+)$/.exec(value(argv, '--control') ?? '');
  if (!m?.[1] || !m[2]) throw new Error('--control: expected HOST:PORT');
  const n = Number(value(argv, '--accounts') ?? '1000');
  const store = new MemoryStore();
  const secrets = new SecretBox(randomBytes(32));
  const customer = await store.customers.create({ name: 'Bench BV', status: 'active', creditLimitCents: 10_000 });
  for (let i = 0; i < n; i++) {
    const user = username(i, n);
    await store.accounts.create({ customerId: customer.id, username: user, displayName: user, passwordEnc: secrets.encrypt(password(user)), channelLimit: 2 });
  }
  const digest = new DigestAuth({ realm: REALM, secret: randomBytes(32), counters: store.counters, accounts: store.accounts, secrets });
  const throttle = new AuthThrottle({ counters: store.counters });
  const srf = new Srf();
  srf.use('register', createRegistrar({ store, digest, throttle, logger }));
  srf.on('error', (err: Error) => logger.error({ err: err.message }, 'control connection error'));
  srf.on('connect', (err: Error | null) => {
    if (err) {
      logger.fatal({ err: err.message }, 'could not connect to the engine');
      process.exit(1);
    }
    process.send?.({ type: 'ready' });
  });
  srf.connect({ host: m[1], port: Number(m[2]), secret: SECRET });
  // A normal exit (not a kill) so that --cpu-prof writes its profile.
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// The driver.


async function startApp(controlPort: number, accounts: number, profileDir?: string): Promise<ChildProcess> {
  const app = fork(
    fileURLToPath(import.meta.url),
    ['--app', '--control', `127.0.0.1:${controlPort}`, '--accounts', String(accounts)],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    },
  );
  await waitForReady(app, 'the registrar app', 30_000);
  return app;
}


/** One SIPp run of `rate` registrations per second for `seconds`. */
async function drive(remote: string, injection: string, rate: number, seconds: number, rttDir?: string, refresh = false): Promise<SippStep> {
  // In refresh mode `rate` counts authenticated REGISTERs; SIPp's rate counts calls.
  const per = refresh ? PER_REFRESH_CALL : 1;
  const callRate = Math.max(1, Math.round(rate / per));
  const calls = Math.max(1, Math.round(callRate * seconds));
  const caller = await runSipp({
    scenario: scenario(refresh ? 'registrar/bench-register-refresh' : 'registrar/bench-register'),
    remote,
    localPort: await freePort(),
    calls,
    rate: callRate,
    // A second's worth of registrations in progress; a slower registrar shows as a lower rate.
    limit: Math.max(100, callRate),
    timeoutMs: seconds * 1000 + 20_000,
    trace: false,
    ...(rttDir ? { cwd: rttDir } : {}),
    extra: [
      '-inf', injection,
      // A registration waiting 5 s for a response has failed; do not let it hold up the step.
      '-recv_timeout', '5000',
      ...(rttDir ? ['-trace_rtt', '-rtt_freq', '100'] : []),
    ],
  });
  const passed = caller.code === 0 && caller.failed === 0 && caller.successful === calls && caller.callRate >= 0.95 * callRate;
  if (caller.code !== 0 && caller.code !== 1) {
    process.stderr.write(`  sipp exit ${caller.code} (${exitMeaning(caller.code)}): ${caller.stderr.slice(0, 500)}\n`);
  }
  return { rate, calls: calls * per, successful: caller.successful * per, failed: caller.failed * per, achievedCps: caller.callRate * per, sippExit: caller.code, passed };
}


/** The hottest functions (self time) of a V8 .cpuprofile, for the report. */
function hottest(profileFile: string, top = 15): string[] {
  interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; }
  const p = JSON.parse(readFileSync(profileFile, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    if (!n) return;
    const where = n.callFrame.url ? `${n.callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${((100 * v) / Math.max(1, total)).toFixed(1).padStart(5)}%  ${k}`);
}

async function bench(opts: BenchOptions): Promise<Figures> {
  const sipPort = await freePort();
  const controlPort = await freePort();
  const remote = `127.0.0.1:${sipPort}`;
  const work = mkdtempSync(join(tmpdir(), 'bench-register-'));
  const injection = join(work, 'accounts.csv');
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < opts.accounts; i++) {
    const user = username(i, opts.accounts);
    // SIPp expands a whole [authentication …] keyword from a field, not fields inside it.
    lines.push(`${user};[authentication username=${user} password=${password(user)}]`);
  }
  writeFileSync(injection, `${lines.join('\n')}\n`);
  // Kept after the run (outside the repository) so the profile can be opened in DevTools.
  const profileDir = opts.cpuProf ? mkdtempSync(join(tmpdir(), 'bench-register-profile-')) : undefined;

  const engine = await startEngine({ sipPort, controlPort, secret: SECRET });
  let app: ChildProcess | undefined;
  try {
    app = await startApp(controlPort, opts.accounts, profileDir);
    const steps: SippStep[] = [];
    let maxRate = 0;
    for (const rate of opts.rates) {
      const step = await drive(remote, injection, rate, opts.stepSeconds, undefined, opts.refresh);
      steps.push(step);
      process.stdout.write(
        `  ${String(rate).padStart(5)} reg/s: ${step.successful}/${step.calls} ok, ${step.failed} failed, ` +
          `${step.achievedCps.toFixed(0)}/s achieved ${step.passed ? '' : '<- stop'}\n`,
      );
      if (!step.passed) break;
      maxRate = rate;
      // Let the engine finish its transaction timers (Timer J) before the next step.
      await new Promise((r) => setTimeout(r, 2000));
    }

    // The engine keeps each UDP non-INVITE server transaction for Timer J (64*T1 = 32 s, RFC 3261
    // §17.2.2) after its response; let the last step's drain so latency is measured on its own.
    await new Promise((r) => setTimeout(r, opts.quick ? 1_000 : 33_000));
    const halfRate = Math.max(1, Math.round((maxRate || opts.rates[0] || 100) / 2));
    const rttDir = join(work, 'rtt');
    mkdirSync(rttDir);
    const step = await drive(remote, injection, halfRate, opts.latencySeconds, rttDir, opts.refresh);
    const rtts = readRtt(rttDir, 'register');
    const latency: Latency = { rate: halfRate, samples: rtts.length, p50Ms: percentile(rtts, 50), p99Ms: percentile(rtts, 99), retransmitted: rtts.filter((v) => v >= 500).length, failed: step.failed };
    process.stdout.write(
      `  latency at ${halfRate} reg/s: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms over ${rtts.length} registrations ` +
        `(${latency.retransmitted} took >= 500 ms, ${step.failed} failed)\n`,
    );
    const figures: Figures = { steps, maxRate, latency, peakMiB: { engine: peakMiB(engine.pid), app: peakMiB(app.pid) } };

    if (profileDir) {
      const before = new Set(readdirSync(profileDir));
      const gone = exited(app, 'app');
      app.disconnect();
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
      if (file) {
        figures.profile = join(profileDir, file);
        process.stdout.write(`\n  app CPU profile ${figures.profile}; hottest functions (self time):\n`);
        for (const line of hottest(figures.profile)) process.stdout.write(`    ${line}\n`);
      }
    }
    return figures;
  } finally {
    app?.kill('SIGKILL');
    engine.kill('SIGTERM');
    await Promise.race([exited(engine, 'engine'), new Promise((r) => setTimeout(r, 3000))]);
    engine.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

function machine(): string {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const gib = Math.round((memKb / 1024 / 1024) * 10) / 10;
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown'}, ${gib} GiB RAM, Node ${process.version}, SIPp 3.6.1 (Debian sip-tester)`;
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
}

function summary(f: Figures, opts: BenchOptions): string {
  const rate = f.maxRate > 0 ? `${f.maxRate} reg/s` : `< ${f.steps[0]?.rate ?? '?'} reg/s`;
  const lat = f.latency
    ? `${fmt(f.latency.p50Ms)} / ${fmt(f.latency.p99Ms)} ms (${f.latency.rate}/s, ${f.latency.samples} samples, ${f.latency.retransmitted} >= 500 ms)`
    : '-';
  const mem = `${fmt(f.peakMiB.engine)} + ${fmt(f.peakMiB.app)} = ${fmt(f.peakMiB.engine + f.peakMiB.app)} MiB`;
  return [
    '| Accounts | Highest rate, 0 failures | REGISTER→200 p50 / p99 (at rate) | Peak RSS engine + app |',
    '|---|---|---|---|',
    `| ${opts.accounts} | ${rate} | ${lat} | ${mem} |`,
  ].join('\n');
}

function record(f: Figures, opts: BenchOptions): string {
  const when = new Date().toISOString().replace('T', ' ').slice(0, 16);
  const steps = f.steps
    .map((s) => `${s.rate}/s ${s.passed ? 'ok' : `stop (${s.failed} failed, ${s.successful}/${s.calls} ok, ${fmt(s.achievedCps)}/s achieved)`}`)
    .join(', ');
  const section = [
    '',
    `## ${when} UTC: ${opts.refresh ? 'authenticated re-registrations (npm run bench:register -- --refresh)' : 'registrations (npm run bench:register)'}${opts.quick ? ', quick smoke run' : ''}`,
    '',
    `Machine: ${machine()}. Engine and registrar app each in their own process, SIPp as the phones,`,
    opts.refresh
      ? `all on the same machine. Rates count authenticated REGISTERs, each digest-verified (MD5, qop=auth, nonce-count replay check): per phone REGISTER, 401, REGISTER with digest, 200, then four refreshes reusing the nonce (nc 2-5), 200 each;`
      : `all on the same machine. Each registration: REGISTER, 401, REGISTER with MD5 digest (qop=auth), 200;`,
    `MemoryStore with ${opts.accounts} accounts (AES-GCM encrypted passwords). Steps of ${opts.stepSeconds} s. Latency from SIPp -trace_rtt`,
    '(first REGISTER to 200, both round trips, 1 ms resolution).',
    '',
    summary(f, opts),
    '',
    `Steps: ${steps}.`,
    '',
  ].join('\n');
  return appendBenchmarkSection(section);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--app')) {
    await runApp(argv);
    return;
  }
  const opts = parseOptions(argv);
  process.stdout.write(
    `Registration benchmark${opts.refresh ? ' (refresh mode: authenticated REGISTERs, nonce reused)' : ''}: ${opts.accounts} accounts; rates ${opts.rates.join(', ')} reg/s; ${opts.stepSeconds} s per step\n`,
  );
  const figures = await bench(opts);
  process.stdout.write(`\n${summary(figures, opts)}\n`);
  if (opts.record) process.stdout.write(`\nrecorded in ${record(figures, opts)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:register failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
