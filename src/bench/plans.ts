/**
 * `npm run bench:plans`: calls per second through a call plan with the tariff announcement and a
 * menu, on the embedded engine and the embedded media server.
 *
 * Topology: the engine as its own process (the CLI), the app as another (this file with --app:
 * drachtio-srf, the number-call runtime, a MemoryStore with one 0909 number at 80 ct a minute,
 * at most 8 euro a call, and the EmbeddedMediaServer in-process, as `npm start` runs it), and a
 * SIPp caller. The plan: the tariff announcement (automatic for a 0909 number with a tariff) →
 * a menu (a short beep, 1 s timeout, no retries) → a goodbye announcement → hangup. The caller
 * presses nothing, so every call takes the menu's fallback and ends with the plan's BYE, which
 * SIPp must receive and answer. SIPp's media port receives the RTP and drops it unread.
 *
 * A step passes when every call succeeded at SIPp, every call ended at the app with the plan's
 * hangup after the tariff announcement and the menu, and calls arrived at ≥ 95% of the target
 * rate. Engine and app are fresh for every step.
 *
 * Flags: --rates 10,25,… (default 10,25,50,75,100,150), --step-seconds N (default 10),
 * --quick (5 calls/s for 3 s; not recorded unless --record), --no-record.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Srf from 'drachtio-srf';
import { buildSipServices } from '../app/sipServices.js';
import type { NumberCallSummary } from '../calls/NumberCall.js';
import { PlanSource } from '../calls/planSource.js';
import { createLogger } from '../logger.js';
import { EmbeddedMediaServer } from '../media/embedded/EmbeddedMediaServer.js';
import type { PacingStats } from '../media/embedded/EmbeddedMediaServerTypes.js';
import { MemoryStore } from '../store/MemoryStore.js';
import { SecretBox } from '../store/secrets.js';
import { freePort } from './ports.js';
import { appendBenchmarkSection, exited, peakMiB, REPO, startEngine, waitForReady } from './processes.js';
import { exitMeaning, runSipp } from './sipp.js';

const SECRET = 'cymru';
const NUMBER = '+319091234567';
const DIALLED = '09091234567';
const TARIFF = { perMinuteCents: 80, maxPerCallCents: 800 };
const PLAN_NAME = 'bench-tariff-menu';
/** Even RTP ports for the app's media server: room for ~10,000 endpoints. */
const RTP_MIN = 40_000;
const RTP_MAX = 59_998;
/** Longest a call may take (tariff announcement + menu + goodbye is ~10 s); SIPp's per-message limit. */
const CALL_LIMIT_MS = 40_000;

const PLAN_YAML = `# bench:plans: after the tariff announcement, a menu nobody answers, then goodbye.
name: ${PLAN_NAME}
start: keuze
nodes:
  keuze:
    type: menu
    prompts: [nl/beep]
    options:
      "1": tot-ziens
    timeoutMs: 1000
    retries: 0
    invalid: [nl/ongeldige-keuze]
    fallback: tot-ziens
  tot-ziens:
    type: announcement
    prompts: [nl/tot-ziens]
    next: ophangen
  ophangen:
    type: hangup
    cause: normal
`;

/** A caller that offers PCMA/PCMU with SIPp's media port (bound, never read) and waits for our BYE. */
const CALLER_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="bench-plans-caller">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "0612345678" <sip:0612345678@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:0612345678@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 0 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[

      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: "0612345678" <sip:0612345678@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:0612345678@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv request="BYE"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;

// ---- the app process (--app) -----------------------------------------------------------------

/** What the app reports to the benchmark over IPC. */
interface AppStats {
  ended: number;
  /** Ended by the plan's hangup after the tariff announcement and the menu's fallback. */
  byPlan: number;
  /** Other endings (caller hung up, anything else), by `end` and last node, for the report. */
  others: Record<string, number>;
  peakActive: number;
  active: number;
  /** First and last call start (ms since the epoch), for the achieved arrival rate. */
  firstStart?: number;
  lastStart?: number;
  /** Mean call duration (ms) of the calls ended by the plan. */
  meanCallMs: number;
  /** Mean time from the call's start to the end of the tariff announcement (ms). */
  meanTariffMs: number;
  pacing: PacingStats;
  media: { endpoints: number; portsInUse: number };
}

function endedByPlan(s: NumberCallSummary): boolean {
  const last = s.path[s.path.length - 1];
  return (
    s.end === 'hangup' &&
    s.tariffAnnouncementEndedAt !== undefined &&
    last?.node === 'ophangen' &&
    s.path.some((p) => p.node === 'keuze') &&
    s.path.some((p) => p.node === 'tot-ziens')
  );
}

async function runApp(argv: string[]): Promise<void> {
  const value = (flag: string): string => {
    const i = argv.indexOf(flag);
    if (i < 0 || argv[i + 1] === undefined) throw new Error(`${flag} is required in --app mode`);
    return argv[i + 1];
  };
  const [host, port] = value('--control').split(':');
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'bench-plans-app');
  const store = new MemoryStore();
  const secretKey = randomBytes(32);
  const dir = mkdtempSync(join(tmpdir(), 'bench-plans-'));
  writeFileSync(join(dir, `${PLAN_NAME}.yaml`), PLAN_YAML);
  const plans = new PlanSource({ plans: store.plans, logger, dialplansDir: dir });
  await plans.start();
  for (let i = 0; i < 100 && !plans.fileIds().includes(`file:${PLAN_NAME}`); i++) await new Promise((r) => setTimeout(r, 50));
  if (!plans.fileIds().includes(`file:${PLAN_NAME}`)) throw new Error(`the benchmark plan did not load (see the log above)`);
  const media = new EmbeddedMediaServer({
    host: '127.0.0.1',
    portMin: RTP_MIN,
    portMax: RTP_MAX,
    promptDir: join(REPO, 'prompts'),
    logger: logger.child({ component: 'media' }),
  });
  const customer = await store.customers.create({ name: 'Bench BV', status: 'active', creditLimitCents: 10_000 });
  await store.numbers.create({ e164: NUMBER, type: '0909', customerId: customer.id, status: 'active', planId: `file:${PLAN_NAME}`, tariff: TARIFF });

  let ended = 0;
  let byPlan = 0;
  let planMs = 0;
  let tariffMs = 0;
  let firstStart: number | undefined;
  let lastStart: number | undefined;
  const others: Record<string, number> = {};
  const services = buildSipServices({
    store,
    secrets: new SecretBox(secretKey),
    secretKey,
    settings: { domain: 'bench.test', register: { minExpires: 60, maxExpires: 3600 }, authThrottle: { maxFailures: 10, blockSeconds: 300 } },
    logger,
    numberCalls: {
      media,
      plans,
      // One number takes every call of the benchmark.
      maxCallsPerNumber: 1_000_000,
      onCallEnded: (s) => {
        ended++;
        firstStart = Math.min(firstStart ?? s.startedAt, s.startedAt);
        lastStart = Math.max(lastStart ?? s.startedAt, s.startedAt);
        if (endedByPlan(s)) {
          byPlan++;
          planMs += s.endedAt - s.startedAt;
          tariffMs += s.tariffAnnouncementEndedAt! - s.startedAt;
        } else {
          const key = `${s.end ?? 'none'} at ${s.path[s.path.length - 1]?.node ?? '-'}`;
          others[key] = (others[key] ?? 0) + 1;
        }
      },
    },
  });
  const numberCalls = services.numberCalls!;
  let peakActive = 0;
  setInterval(() => {
    peakActive = Math.max(peakActive, numberCalls.active());
  }, 50).unref();

  const srf = new Srf();
  srf.use('invite', services.invite);
  srf.on('error', (err: Error) => logger.error({ err: err.message }, 'control connection error'));
  srf.on('connect', (err: Error | null) => {
    if (err) {
      logger.fatal({ err: err.message }, 'could not connect to the engine');
      process.exit(1);
    }
    process.send?.({ type: 'ready' });
  });
  process.on('message', (msg: { type?: string }) => {
    if (msg.type !== 'stats') return;
    const stats: AppStats = {
      ended,
      byPlan,
      others,
      peakActive,
      active: numberCalls.active(),
      ...(firstStart !== undefined ? { firstStart, lastStart } : {}),
      meanCallMs: byPlan ? planMs / byPlan : 0,
      meanTariffMs: byPlan ? tariffMs / byPlan : 0,
      pacing: media.pacingStats(),
      media: media.stats(),
    };
    process.send?.({ type: 'stats', stats });
  });
  srf.connect({ host, port: Number(port), secret: value('--secret') });
  process.on('disconnect', () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

// ---- the benchmark ---------------------------------------------------------------------------

interface Options {
  rates: number[];
  stepSeconds: number;
  record: boolean;
  quick: boolean;
}

interface Step {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  sippExit: number;
  app: AppStats;
  /** Calls per second as they reached the app (first to last call start). */
  arrivalCps: number;
  /** CPU (user + system) over the step, in % of one core. */
  cpuPct: { app: number; engine: number };
  peakMiB: { app: number; engine: number };
  passed: boolean;
  why?: string;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const rates = value('--rates')?.split(',').map(Number) ?? (quick ? [5] : [10, 25, 50, 75, 100, 150]);
  if (rates.some((r) => !Number.isInteger(r) || r <= 0)) throw new Error(`--rates: expected positive integers, got "${value('--rates')}"`);
  const stepSeconds = Number(value('--step-seconds') ?? (quick ? 3 : 10));
  if (!(stepSeconds > 0 && stepSeconds <= 60)) throw new Error('--step-seconds: expected a number of seconds from 1 to 60');
  return { rates, stepSeconds, quick, record: argv.includes('--record') || (!quick && !argv.includes('--no-record')) };
}

/** user + system CPU time of a process in seconds, from /proc (0 when it is gone). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime is the 14th field, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return 0;
  }
}

async function startAppProcess(controlPort: number): Promise<ChildProcess> {
  const self = fileURLToPath(import.meta.url);
  const app = fork(self, ['--app', '--control', `127.0.0.1:${controlPort}`, '--secret', SECRET], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await waitForReady(app, 'the plan app', 15_000);
  return app;
}

function appStats(app: ChildProcess): Promise<AppStats> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the plan app did not report its figures within 5 s')), 5000);
    const onMessage = (msg: { type?: string; stats?: AppStats }): void => {
      if (msg.type !== 'stats' || !msg.stats) return;
      clearTimeout(timer);
      app.off('message', onMessage);
      resolve(msg.stats);
    };
    app.on('message', onMessage);
    app.send({ type: 'stats' });
  });
}

/** Waits (bounded) until the app has no call left, so its counts are final. */
async function settle(app: ChildProcess, expected: number): Promise<AppStats> {
  let stats = await appStats(app);
  for (let i = 0; i < 50 && (stats.active > 0 || stats.ended < expected); i++) {
    await new Promise((r) => setTimeout(r, 100));
    stats = await appStats(app);
  }
  return stats;
}

async function runStep(rate: number, opts: Options, scenarioFile: string): Promise<Step> {
  const sipPort = await freePort();
  const controlPort = await freePort();
  const engine = await startEngine({ sipPort, controlPort, secret: SECRET });
  let app: ChildProcess | undefined;
  try {
    app = await startAppProcess(controlPort);
    const calls = Math.max(1, Math.round(rate * opts.stepSeconds));
    const cpu0 = { app: cpuSeconds(app.pid), engine: cpuSeconds(engine.pid), at: performance.now() };
    const sipp = await runSipp({
      scenario: scenarioFile,
      remote: `127.0.0.1:${sipPort}`,
      localPort: await freePort(),
      calls,
      rate,
      // Every call lasts ~10 s: room for all of them at once, so a slow app shows as failed calls.
      limit: calls,
      timeoutMs: opts.stepSeconds * 1000 + CALL_LIMIT_MS + 20_000,
      trace: false,
      extra: ['-s', DIALLED, '-mp', String(await freePort()), '-recv_timeout', String(CALL_LIMIT_MS), '-max_recv_loops', '10000'],
    });
    const wallS = (performance.now() - cpu0.at) / 1000;
    const cpuPct = {
      app: ((cpuSeconds(app.pid) - cpu0.app) / wallS) * 100,
      engine: ((cpuSeconds(engine.pid) - cpu0.engine) / wallS) * 100,
    };
    const stats = await settle(app, calls);
    const span = stats.firstStart !== undefined && stats.lastStart !== undefined ? (stats.lastStart - stats.firstStart) / 1000 : 0;
    const arrivalCps = calls > 1 && span > 0 ? (calls - 1) / span : calls;
    const problems: string[] = [];
    if (sipp.code !== 0) problems.push(`sipp exit ${sipp.code} (${exitMeaning(sipp.code)})`);
    if (sipp.failed > 0) problems.push(`${sipp.failed} failed at SIPp`);
    if (sipp.successful !== calls) problems.push(`${sipp.successful}/${calls} successful at SIPp`);
    if (stats.byPlan !== calls) problems.push(`${stats.byPlan}/${calls} ended by the plan's BYE${Object.keys(stats.others).length ? ` (others: ${JSON.stringify(stats.others)})` : ''}`);
    if (arrivalCps < 0.95 * rate) problems.push(`calls arrived at ${arrivalCps.toFixed(1)}/s`);
    if (sipp.code > 1) process.stderr.write(`  sipp: ${sipp.stderr.slice(0, 500)}\n`);
    return {
      rate,
      calls,
      successful: sipp.successful,
      failed: sipp.failed,
      sippExit: sipp.code,
      app: stats,
      arrivalCps,
      cpuPct,
      peakMiB: { app: peakMiB(app.pid), engine: peakMiB(engine.pid) },
      passed: problems.length === 0,
      ...(problems.length ? { why: problems.join('; ') } : {}),
    };
  } finally {
    app?.kill('SIGKILL');
    engine.kill('SIGTERM');
    await Promise.race([exited(engine, 'engine'), new Promise((r) => setTimeout(r, 3000))]);
    engine.kill('SIGKILL');
  }
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
}

function stepLine(s: Step): string {
  return (
    `${String(s.rate).padStart(4)}/s: ${s.successful}/${s.calls} ok, ${s.failed} failed, ${s.app.byPlan} ended by the plan, ` +
    `peak ${s.app.peakActive} concurrent, arrival ${fmt(s.arrivalCps, 1)}/s, call ${fmt(s.app.meanCallMs / 1000, 1)} s ` +
    `(tariff ${fmt(s.app.meanTariffMs / 1000, 1)} s), CPU app ${fmt(s.cpuPct.app)}% engine ${fmt(s.cpuPct.engine)}%, ` +
    `RTP late ${s.app.pacing.late} skipped ${s.app.pacing.skipped} p99 ${fmt(s.app.pacing.p99Ms, 2)} ms, ` +
    `peak RSS app ${fmt(s.peakMiB.app)} MiB engine ${fmt(s.peakMiB.engine)} MiB${s.passed ? '' : ` <- stop: ${s.why}`}`
  );
}

function record(steps: Step[], opts: Options): string {
  const best = [...steps].reverse().find((s) => s.passed);
  const when = new Date().toISOString().replace('T', ' ').slice(0, 16);
  const c = cpus();
  const section = [
    '',
    `## ${when} UTC: calls per second through a call plan (npm run bench:plans)${opts.quick ? ', quick smoke run' : ''}`,
    '',
    `Machine: ${c.length} × ${c[0]?.model.trim() ?? 'unknown'}, Node ${process.version}, SIPp 3.6.1. The engine (CLI) and the`,
    'app (drachtio-srf, number-call runtime, MemoryStore, embedded media server in the same process) each in their own',
    `process, started afresh for every step; a SIPp caller at a fixed rate for ${opts.stepSeconds} s per step. The number is a 0909 number`,
    'at 80 ct a minute, at most 8 euro a call; its plan: the tariff announcement → a menu (beep, 1 s timeout, no',
    'retries) → goodbye announcement → hangup. The caller presses nothing and waits for the plan\'s BYE; SIPp\'s media',
    'port takes the RTP unread. A step passes when every call succeeds at SIPp, every call ends at the app with the',
    'plan\'s hangup after the tariff announcement and the menu, and calls arrive at ≥ 95% of the target rate.',
    '',
    best
      ? `**Highest rate with 0 failed calls: ${best.rate} calls/s** (${best.app.peakActive} concurrent calls, each ${fmt(best.app.meanCallMs / 1000, 1)} s); ` +
        `app + media process CPU ${fmt(best.cpuPct.app)}% of one core (${fmt(best.cpuPct.app / Math.max(1, best.app.peakActive), 2)}% per concurrent call), ` +
        `engine ${fmt(best.cpuPct.engine)}%; peak RSS app ${fmt(best.peakMiB.app)} MiB, engine ${fmt(best.peakMiB.engine)} MiB.`
      : `**No rate passed** (lowest tried: ${steps[0]?.rate ?? '?'} calls/s).`,
    '',
    '| Rate | Calls ok / failed | Ended by the plan | Peak concurrent | Call (tariff) | CPU app / engine | RTP late / skipped / p99 | Peak RSS app / engine |',
    '|---|---|---|---|---|---|---|---|',
    ...steps.map(
      (s) =>
        `| ${s.rate}/s${s.passed ? '' : ' (stop)'} | ${s.successful} / ${s.failed} | ${s.app.byPlan} / ${s.calls} | ${s.app.peakActive} | ` +
        `${fmt(s.app.meanCallMs / 1000, 1)} s (${fmt(s.app.meanTariffMs / 1000, 1)} s) | ${fmt(s.cpuPct.app)}% / ${fmt(s.cpuPct.engine)}% | ` +
        `${s.app.pacing.late} / ${s.app.pacing.skipped} / ${fmt(s.app.pacing.p99Ms, 2)} ms | ${fmt(s.peakMiB.app)} / ${fmt(s.peakMiB.engine)} MiB |`,
    ),
    ...steps.filter((s) => !s.passed).map((s) => `\nStopped at ${s.rate}/s: ${s.why}.`),
    '',
  ].join('\n');
  return appendBenchmarkSection(section);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'bench-plans-sipp-'));
  const scenarioFile = join(dir, 'caller.xml');
  writeFileSync(scenarioFile, CALLER_XML);
  process.stdout.write(`Plan benchmark: rates ${opts.rates.join(', ')} calls/s, ${opts.stepSeconds} s per step\n`);
  const steps: Step[] = [];
  try {
    for (const rate of opts.rates) {
      const step = await runStep(rate, opts, scenarioFile);
      steps.push(step);
      process.stdout.write(`  ${stepLine(step)}\n`);
      if (!step.passed) break;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.record) process.stdout.write(`recorded in ${record(steps, opts)}\n`);
}

if (process.argv.includes('--app')) {
  runApp(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`bench:plans app failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:plans failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
