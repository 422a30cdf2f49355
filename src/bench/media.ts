/**
 * `npm run bench:media`: how many concurrent calls, each playing a long prompt, the embedded media
 * engine carries on this machine with RTP send jitter p99 under 2 ms and no late packets, and the
 * CPU each call costs.
 *
 * This process runs an EmbeddedMediaServer with N endpoints, all playing a 60 s prompt to one UDP
 * sink on 127.0.0.1. The sink is a separate process (this file with --sink) that receives every
 * packet and measures inter-arrival times per stream and losses. Send jitter comes from the
 * sender's own records: each packet's lateness against its due time (start + n × 20 ms on the
 * monotonic clock). Late = more than 20 ms behind schedule. A step passes with p99 < 2 ms, no late
 * packet and no skipped packet.
 *
 * Flags: --counts 100,250,… (default 100,250,500,750,1000), --seconds N (measured time per step,
 * default 10), --quick (50,100 for 3 s; not recorded unless --record), --no-record.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wavefile from 'wavefile';
import { createLogger } from '../logger.js';
import { EmbeddedMediaServer } from '../media/embedded/EmbeddedMediaServer.js';
import type { EmbeddedEndpoint } from '../media/embedded/EmbeddedEndpoint.js';

const { WaveFile } = wavefile;
import { appendBenchmarkSection, REPO } from './processes.js';
const WARMUP_MS = 2000;
const PORT_MIN = 20_000;

interface Options {
  counts: number[];
  seconds: number;
  record: boolean;
  quick: boolean;
}

interface SinkReport {
  packets: number;
  streams: number;
  /** |inter-arrival − 20 ms| percentiles (ms). */
  iatP50Ms: number;
  iatP99Ms: number;
  iatMaxMs: number;
  /** Sequence gaps seen (lost or reordered on loopback). */
  gaps: number;
}

interface Step {
  n: number;
  sent: number;
  late: number;
  skipped: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU (user + system) of the media process per call, in % of one core. */
  cpuPerCallPct: number;
  cpuTotalPct: number;
  sink: SinkReport;
  passed: boolean;
}

// ---- sink process ------------------------------------------------------------------------------

/** Histogram of |IAT − 20 ms| in 10 µs buckets up to 100 ms. */
function runSink(): void {
  const hist = new Uint32Array(10_001);
  let packets = 0;
  let gaps = 0;
  let maxUs = 0;
  const last = new Map<number, { at: bigint; seq: number }>();
  const sock = createSocket('udp4');
  sock.on('message', (msg) => {
    const now = process.hrtime.bigint();
    if (msg.length < 12) return;
    const ssrc = msg.readUInt32BE(8);
    const seq = msg.readUInt16BE(2);
    const prev = last.get(ssrc);
    packets++;
    if (prev) {
      if (seq !== ((prev.seq + 1) & 0xffff)) gaps++;
      const us = Math.abs(Number(now - prev.at) / 1000 - 20_000);
      if (us > maxUs) maxUs = us;
      hist[Math.min(10_000, Math.floor(us / 10))]++;
      prev.at = now;
      prev.seq = seq;
    } else last.set(ssrc, { at: now, seq });
  });
  sock.bind(0, '127.0.0.1', () => {
    sock.setRecvBufferSize(16 * 1024 * 1024);
    process.send!({ port: sock.address().port });
  });
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'reset') {
      hist.fill(0);
      packets = gaps = maxUs = 0;
      last.clear();
      process.send!({ ok: true });
    } else if (m.cmd === 'report') {
      const total = hist.reduce((a, b) => a + b, 0);
      const pct = (q: number): number => {
        let seen = 0;
        for (let i = 0; i < hist.length; i++) if ((seen += hist[i]) >= Math.ceil(total * q)) return ((i + 1) * 10) / 1000;
        return maxUs / 1000;
      };
      const report: SinkReport = { packets, streams: last.size, iatP50Ms: total ? pct(0.5) : 0, iatP99Ms: total ? pct(0.99) : 0, iatMaxMs: maxUs / 1000, gaps };
      process.send!(report);
    } else if (m.cmd === 'exit') {
      sock.close(() => process.exit(0));
    }
  });
}

// ---- bench -------------------------------------------------------------------------------------

function parseArgs(argv: string[]): Options {
  const opts: Options = { counts: [100, 250, 500, 750, 1000], seconds: 10, record: true, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--counts') opts.counts = argv[++i].split(',').map(Number);
    else if (a === '--seconds') opts.seconds = Number(argv[++i]);
    else if (a === '--no-record') opts.record = false;
    else if (a === '--record') opts.record = true;
    else if (a === '--quick') {
      opts.quick = true;
      opts.counts = [50, 100];
      opts.seconds = 3;
      if (!argv.includes('--record')) opts.record = false;
    }
  }
  return opts;
}

function ask<T>(child: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send({ cmd });
  });
}

/** A 60 s A-law prompt (a 440 Hz tone with a slow sweep), written once per run. */
function longPrompt(dir: string): string {
  const samples = new Int16Array(8000 * 60);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * (440 + (i % 8000) / 80) * i) / 8000));
  const wav = new WaveFile();
  wav.fromScratch(1, 8000, '16', samples);
  wav.toALaw();
  const file = join(dir, 'long.wav');
  writeFileSync(file, wav.toBuffer());
  return file;
}

function sinkOffer(port: number): string {
  return ['v=0', 'o=sink 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 8 101`, 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
}

async function runStep(n: number, seconds: number, prompt: string, sink: ChildProcess, sinkPort: number): Promise<Step> {
  const server = new EmbeddedMediaServer({
    host: '127.0.0.1',
    portMin: PORT_MIN,
    portMax: PORT_MIN + 2 * n + 200,
    logger: createLogger('warn', 'bench-media'),
    promptDir: REPO,
    // The sink sends nothing back; keep the endpoints alive for the whole step.
    rtpTimeoutMs: 3_600_000,
  });
  const endpoints: EmbeddedEndpoint[] = [];
  for (let i = 0; i < n; i++) endpoints.push(await server.createEndpoint({ remoteSdp: sinkOffer(sinkPort) }));
  await ask(sink, 'reset');
  const plays = endpoints.map((ep) => ep.play(prompt).catch(() => undefined));
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  server.resetPacingStats();
  await ask(sink, 'reset');
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const elapsedUs = Number(process.hrtime.bigint() - t0) / 1000;
  const pacing = server.pacingStats();
  const sinkReport = await ask<SinkReport>(sink, 'report');
  await server.close();
  await Promise.all(plays);
  const cpuTotalPct = ((cpu.user + cpu.system) / elapsedUs) * 100;
  const step: Step = {
    n,
    sent: pacing.packets,
    late: pacing.late,
    skipped: pacing.skipped,
    p50Ms: pacing.p50Ms,
    p99Ms: pacing.p99Ms,
    maxMs: pacing.maxMs,
    cpuTotalPct,
    cpuPerCallPct: cpuTotalPct / n,
    sink: sinkReport,
    passed: pacing.p99Ms < 2 && pacing.late === 0 && pacing.skipped === 0,
  };
  return step;
}

function machine(): string {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const gib = Math.round((memKb / 1024 / 1024) * 10) / 10;
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown'}, ${gib} GiB RAM, Node ${process.version}`;
}

const f = (x: number, d = 2): string => x.toFixed(d);

function table(steps: Step[]): string {
  return [
    '| Calls | Packets sent | Send lateness p50 / p99 / max (ms) | Late (>20 ms) | Skipped | Sink IAT jitter p99 / max (ms) | Sink received / gaps | CPU total / per call (% of a core) | Result |',
    '|---|---|---|---|---|---|---|---|---|',
    ...steps.map(
      (s) =>
        `| ${s.n} | ${s.sent} | ${f(s.p50Ms)} / ${f(s.p99Ms)} / ${f(s.maxMs)} | ${s.late} | ${s.skipped} | ${f(s.sink.iatP99Ms)} / ${f(s.sink.iatMaxMs)} | ${s.sink.packets} / ${s.sink.gaps} | ${f(s.cpuTotalPct, 1)} / ${f(s.cpuPerCallPct, 3)} | ${s.passed ? 'ok' : 'stop'} |`,
    ),
  ].join('\n');
}

function record(steps: Step[], opts: Options): string {
  const when = new Date().toISOString().replace('T', ' ').slice(0, 16);
  const best = steps.filter((s) => s.passed).reduce((m, s) => Math.max(m, s.n), 0);
  const section = [
    '',
    `## ${when} UTC: media engine (npm run bench:media)${opts.quick ? ', quick smoke run' : ''}`,
    '',
    `Machine: ${machine()}. One EmbeddedMediaServer (one pacing clock for all endpoints) in this process;`,
    `N endpoints each play a 60 s A-law prompt (PCMA, 160-byte payloads every 20 ms) to one UDP sink`,
    `on 127.0.0.1 in a separate process. ${WARMUP_MS / 1000} s warm-up, then ${opts.seconds} s measured per step.`,
    'Send lateness: the sender\'s own record of each packet against its due time (start + n × 20 ms on',
    'the monotonic clock; early sends count as 0). Late = more than 20 ms behind. Sink IAT jitter:',
    '|inter-arrival − 20 ms| per stream at the receiver. CPU: process.cpuUsage of the media process.',
    '',
    `**Highest N with send jitter p99 < 2 ms and no late packets: ${best > 0 ? best : `none (< ${steps[0]?.n})`}.**`,
    '',
    table(steps),
    '',
  ].join('\n');
  return appendBenchmarkSection(section);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'bench-media-'));
  const sink = fork(fileURLToPath(import.meta.url), ['--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = await new Promise<{ port: number }>((r) => sink.once('message', (m) => r(m as { port: number })));
    const prompt = longPrompt(work);
    const steps: Step[] = [];
    for (const n of opts.counts) {
      const s = await runStep(n, opts.seconds, prompt, sink, port);
      steps.push(s);
      process.stdout.write(
        `N=${n}: sent ${s.sent}, lateness p50 ${f(s.p50Ms)} p99 ${f(s.p99Ms)} max ${f(s.maxMs)} ms, late ${s.late}, skipped ${s.skipped}; ` +
          `sink ${s.sink.packets} pkts, IAT jitter p99 ${f(s.sink.iatP99Ms)} ms, gaps ${s.sink.gaps}; CPU ${f(s.cpuTotalPct, 1)}% (${f(s.cpuPerCallPct, 3)}%/call) → ${s.passed ? 'ok' : 'stop'}\n`,
      );
    }
    process.stdout.write(`\n${table(steps)}\n`);
    if (opts.record) process.stdout.write(`\nrecorded in ${record(steps, opts)}\n`);
  } finally {
    sink.send({ cmd: 'exit' });
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv.includes('--sink')) runSink();
else
  main().catch((err: unknown) => {
    process.stderr.write(`bench:media failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
