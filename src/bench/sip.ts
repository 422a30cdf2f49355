/**
 * `npm run bench:sip`: how many calls per second the embedded engine carries for a trivial UAS
 * app and for a B2BUA app, how fast it answers at half that rate, and how much memory it takes.
 *
 * Topology, as in production with drachtio-server: the engine runs as its own process
 * (`node dist/cli/main.js engine …`), the drachtio-srf app as another (src/bench/apps), SIPp as
 * the caller (and, for the B2BUA, as the callee). All traffic stays on 127.0.0.1; every SIPp run
 * is bounded by call count and time.
 *
 * Flags: --quick (a short smoke run, not recorded unless --record), --apps uas,b2bua,
 * --rates 250,500,…, --step-seconds N, --no-record.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { type SippStep, appendBenchmarkSection, DIST, exited, peakMiB, percentile, readRtt, startEngine, waitForReady } from './processes.js';
import { exitMeaning, runSipp, scenario, startSipp } from './sipp.js';

type AppKind = 'uas' | 'b2bua';

interface BenchOptions {
  apps: AppKind[];
  rates: number[];
  stepSeconds: number;
  latencySeconds: number;
  record: boolean;
  quick: boolean;
}

interface StepResult extends SippStep {
  /** Peak RSS (VmHWM) of the fresh engine and app processes that ran this step. */
  peakMiB: { engine: number; app: number };
}

interface Latency {
  rate: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

interface AppFigures {
  app: AppKind;
  steps: StepResult[];
  /** Highest target rate that completed with no failed call and at least 95% of the target rate. */
  maxRate: number;
  latency?: Latency;
  /** Peak RSS while sustaining maxRate (the step's own fresh processes). */
  peakMiB: { engine: number; app: number };
  /** Peak RSS during the latency run at half that rate. */
  halfRatePeakMiB?: { engine: number; app: number };
}

const SECRET = 'cymru';
const FULL_RATES = [250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2500, 3000, 3500, 4000];
const QUICK_RATES = [50, 100];

function parseOptions(argv: string[]): BenchOptions {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const apps = (value('--apps') ?? 'uas,b2bua').split(',').map((a) => a.trim());
  for (const app of apps) {
    if (app !== 'uas' && app !== 'b2bua') throw new Error(`--apps: "${app}" is not one of uas, b2bua`);
  }
  const rates = value('--rates')?.split(',').map(Number) ?? (quick ? QUICK_RATES : FULL_RATES);
  if (rates.some((r) => !Number.isInteger(r) || r <= 0)) throw new Error(`--rates: expected positive integers, got "${value('--rates')}"`);
  const stepSeconds = Number(value('--step-seconds') ?? (quick ? 2 : 10));
  if (!(stepSeconds > 0 && stepSeconds <= 60)) throw new Error('--step-seconds: expected a number of seconds from 1 to 60');
  return {
    apps: apps as AppKind[],
    rates,
    stepSeconds,
    latencySeconds: quick ? 2 : 10,
    record: argv.includes('--record') || (!quick && !argv.includes('--no-record')),
    quick,
  };
}


async function startApp(kind: AppKind, controlPort: number, target?: string): Promise<ChildProcess> {
  const args = ['--control', `127.0.0.1:${controlPort}`, '--secret', SECRET, ...(target ? ['--target', target] : [])];
  const app = fork(join(DIST, 'bench', 'apps', `${kind}.js`), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await waitForReady(app, `the ${kind} app`, 10_000);
  return app;
}


/** One SIPp caller run at `rate` for `seconds`, with a SIPp callee for the B2BUA. */
async function drive(
  kind: AppKind,
  remote: string,
  farPort: number,
  rate: number,
  seconds: number,
  rttDir?: string,
): Promise<Omit<StepResult, 'peakMiB'>> {
  const calls = Math.max(1, Math.round(rate * seconds));
  const timeoutMs = seconds * 1000 + 20_000;
  const far = kind === 'b2bua'
    ? await startSipp({ scenario: scenario('uas-answer'), localPort: farPort, calls, timeoutMs, trace: false })
    : undefined;
  const caller = await runSipp({
    scenario: scenario('bench-uac'),
    remote,
    localPort: await freePort(),
    calls,
    rate,
    // Enough room for a second of calls in progress; a slower engine shows as a lower rate.
    limit: Math.max(100, rate),
    timeoutMs,
    trace: false,
    cwd: rttDir,
    extra: [
      // A call waiting 5 s for a message has failed; do not let it hold up the step.
      '-recv_timeout', '5000',
      ...(rttDir ? ['-trace_rtt', '-rtt_freq', '100'] : []),
    ],
  });
  if (far) {
    // The callee is done once the caller is; what it still waits for would only be late BYEs.
    await Promise.race([far.done, new Promise((r) => setTimeout(r, 3000))]);
    far.kill();
  }
  const passed = caller.code === 0 && caller.failed === 0 && caller.successful === calls && caller.callRate >= 0.95 * rate;
  if (caller.code !== 0 && caller.code !== 1) {
    process.stderr.write(`  sipp exit ${caller.code} (${exitMeaning(caller.code)}): ${caller.stderr.slice(0, 500)}\n`);
  }
  return { rate, calls, successful: caller.successful, failed: caller.failed, achievedCps: caller.callRate, sippExit: caller.code, passed };
}


/**
 * Engine and app are started afresh for every step: a step's figures (rate, latency, memory)
 * then depend on that load alone, not on the transactions the previous steps left lingering
 * in their RFC 3261 wait states (32 s over UDP).
 */
async function withProcesses<T>(kind: AppKind, run: (remote: string, farPort: number) => Promise<T>): Promise<{ result: T; peakMiB: { engine: number; app: number } }> {
  const sipPort = await freePort();
  const controlPort = await freePort();
  const farPort = await freePort();
  const engine = await startEngine({ sipPort, controlPort, secret: SECRET, tcp: true });
  let app: ChildProcess | undefined;
  try {
    app = await startApp(kind, controlPort, kind === 'b2bua' ? `sip:bob@127.0.0.1:${farPort}` : undefined);
    const result = await run(`127.0.0.1:${sipPort}`, farPort);
    return { result, peakMiB: { engine: peakMiB(engine.pid), app: peakMiB(app.pid) } };
  } finally {
    app?.kill('SIGKILL');
    engine.kill('SIGTERM');
    await Promise.race([exited(engine, 'engine'), new Promise((r) => setTimeout(r, 3000))]);
    engine.kill('SIGKILL');
  }
}

async function benchApp(kind: AppKind, opts: BenchOptions): Promise<AppFigures> {
  const steps: StepResult[] = [];
  let maxRate = 0;
  let peak = { engine: 0, app: 0 };
  for (const rate of opts.rates) {
    const { result, peakMiB } = await withProcesses(kind, (remote, farPort) => drive(kind, remote, farPort, rate, opts.stepSeconds));
    const step = { ...result, peakMiB };
    steps.push(step);
    process.stdout.write(
      `  ${kind} ${String(rate).padStart(5)} cps: ${step.successful}/${step.calls} ok, ${step.failed} failed, ` +
        `${step.achievedCps.toFixed(0)} cps achieved, peak ${peakMiB.engine} + ${peakMiB.app} MiB ${step.passed ? '' : '<- stop'}\n`,
    );
    if (!step.passed) break;
    maxRate = rate;
    peak = peakMiB;
  }

  const halfRate = Math.max(1, Math.round((maxRate || opts.rates[0]) / 2));
  const rttDir = mkdtempSync(join(tmpdir(), 'bench-rtt-'));
  let latency: Latency | undefined;
  let halfRatePeakMiB: { engine: number; app: number } | undefined;
  try {
    const { result: step, peakMiB } = await withProcesses(kind, (remote, farPort) => drive(kind, remote, farPort, halfRate, opts.latencySeconds, rttDir));
    const rtts = readRtt(rttDir, 'invite');
    latency = { rate: halfRate, samples: rtts.length, p50Ms: percentile(rtts, 50), p99Ms: percentile(rtts, 99), failed: step.failed };
    halfRatePeakMiB = peakMiB;
    process.stdout.write(`  ${kind} latency at ${halfRate} cps: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms over ${rtts.length} calls\n`);
  } finally {
    rmSync(rttDir, { recursive: true, force: true });
  }
  return { app: kind, steps, maxRate, latency, peakMiB: peak, halfRatePeakMiB };
}

function machine(): { nproc: number; cpu: string; memGiB: number; node: string; sipp: string } {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round((memKb / 1024 / 1024) * 10) / 10,
    node: process.version,
    sipp: 'SIPp 3.6.1 (Debian sip-tester)',
  };
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
}

/** SIPp measures whole milliseconds: 0 means under one. */
function ms(n: number | undefined): string {
  return n === 0 ? '<1' : fmt(n);
}

function table(results: AppFigures[]): string {
  const rows = [
    '| App | Highest rate, 0 failed calls | INVITE→200 p50 / p99 (at rate) | Peak RSS engine + app at the highest rate | at half that rate |',
    '|---|---|---|---|---|',
    ...results.map((r) => {
      const lat = r.latency ? `${ms(r.latency.p50Ms)} / ${ms(r.latency.p99Ms)} ms (${r.latency.rate}/s, ${r.latency.samples} calls)` : '-';
      const mem = `${fmt(r.peakMiB.engine)} + ${fmt(r.peakMiB.app)} = ${fmt(r.peakMiB.engine + r.peakMiB.app)} MiB`;
      const half = r.halfRatePeakMiB ? `${fmt(r.halfRatePeakMiB.engine + r.halfRatePeakMiB.app)} MiB` : '-';
      const rate = r.maxRate > 0 ? `${r.maxRate} calls/s` : `< ${r.steps[0]?.rate ?? '?'} calls/s`;
      return `| ${r.app === 'uas' ? 'UAS (createUAS)' : 'B2BUA (createB2BUA)'} | ${rate} | ${lat} | ${mem} | ${half} |`;
    }),
  ];
  return rows.join('\n');
}

function record(results: AppFigures[], opts: BenchOptions): string {
  const m = machine();
  const when = new Date().toISOString().replace('T', ' ').slice(0, 16);
  const steps = results
    .map((r) => `- ${r.app}: ${r.steps.map((s) => `${s.rate}/s ${s.passed ? 'ok' : `stop (${s.failed} failed, ${fmt(s.achievedCps)}/s achieved)`}`).join(', ')}`)
    .join('\n');
  const section = [
    '',
    `## ${when} UTC${opts.quick ? ' (quick smoke run)' : ''}`,
    '',
    `Machine: ${m.nproc} × ${m.cpu}, ${m.memGiB} GiB RAM, Node ${m.node}, ${m.sipp}. Engine and app each in`,
    `their own process; SIPp caller${results.some((r) => r.app === 'b2bua') ? ' and (B2BUA) callee' : ''} on the same machine. Steps of ${opts.stepSeconds} s,`,
    'calls with no hold time (INVITE, 180, 200, ACK, BYE, 200). A step passes with no failed call and at least',
    '95% of the target rate achieved. Latency is SIPp\'s -trace_rtt (whole milliseconds; "<1" is 0 ms; SIPp alone,',
    'caller to callee with nothing between, shows a few 4-8 ms outliers). Every step runs on a fresh engine and app,',
    'so its figures depend on its own load only; peak RSS is their VmHWM during that step (over UDP each call leaves',
    'its transactions in their RFC 3261 wait states for 32 s, so memory grows with the rate).',
    '',
    table(results),
    '',
    'Steps (target rate: result):',
    '',
    steps,
    '',
    'Reference figures for drachtio-server given in the brief (not measured here): ~1,600 calls/s',
    'UAS, ~500 calls/s B2BUA, p99 near 4 ms at 400 calls/s, ~425 MiB server + app.',
    '',
  ].join('\n');
  return appendBenchmarkSection(section);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  process.stdout.write(`SIP benchmark: apps ${opts.apps.join(', ')}; rates ${opts.rates.join(', ')} calls/s; ${opts.stepSeconds} s per step\n`);
  const results: AppFigures[] = [];
  for (const kind of opts.apps) results.push(await benchApp(kind, opts));
  process.stdout.write(`\n${table(results)}\n`);
  if (opts.record) process.stdout.write(`\nrecorded in ${record(results, opts)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:sip failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
