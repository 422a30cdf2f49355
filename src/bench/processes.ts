/** The child processes a benchmark runs: the engine through the CLI, and its peak memory. */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForPort } from '../cli/waitForPort.js';

/** dist/ (benchmarks run compiled). */
export const DIST = fileURLToPath(new URL('..', import.meta.url));

/** Peak resident memory (VmHWM) of a process, in MiB; 0 if it is gone. */
export function peakMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function exited(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(`${what} exited (code ${code}, signal ${signal})`)));
}

/** `contactsuite engine` on 127.0.0.1 (UDP, and TCP when asked), resolved once its control port accepts. */
export async function startEngine(opts: { sipPort: number; controlPort: number; secret: string; tcp?: boolean }): Promise<ChildProcess> {
  const cli = join(DIST, 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`${cli} not found: run "npm run build" first`);
  const sip = ['--sip', `udp:127.0.0.1:${opts.sipPort}`, ...(opts.tcp ? ['--sip', `tcp:127.0.0.1:${opts.sipPort}`] : [])];
  // BENCH_ENGINE_PROFILE=DIR writes a V8 CPU profile of the engine there (on SIGTERM/exit).
  const prof = process.env.BENCH_ENGINE_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_ENGINE_PROFILE] : [];
  const engine = spawn(
    process.execPath,
    [...prof, cli, 'engine', ...sip, '--control', `127.0.0.1:${opts.controlPort}`, '--secret', opts.secret, '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitForPort('127.0.0.1', opts.controlPort, 10_000, exited(engine, 'the engine'));
  return engine;
}

/** The repository root (benchmarks run from dist/bench). */
export const REPO = join(DIST, '..');

/**
 * Append one benchmark's section to docs/benchmarks.md (created with its title when missing).
 * Append only: every benchmark writes its own sections to this file.
 */
export function appendBenchmarkSection(section: string): string {
  const file = join(REPO, 'docs', 'benchmarks.md');
  mkdirSync(join(REPO, 'docs'), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, '# Benchmarks\n\nFigures recorded by the `npm run bench:*` scripts, newest last. Each run appends a section.\n');
  appendFileSync(file, section);
  return file;
}

/** The p-th percentile of an ascending list (nearest rank); NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** SIPp's -trace_rtt samples (ms, ascending) for one rtd counter name, from the CSV it wrote in `dir`. */
export function readRtt(dir: string, counter: string): number[] {
  const file = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  if (!file) return [];
  return readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.split(';'))
    .filter((cols) => cols[2]?.trim() === counter)
    .map((cols) => Number(cols[1]))
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
}

/** Resolves when a forked app process reports ready (its first IPC message); rejects if it exits or times out. */
export function waitForReady(child: ChildProcess, what: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not connect to the engine within ${timeoutMs / 1000} s`)), timeoutMs);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    void exited(child, what).then((why) => {
      clearTimeout(timer);
      reject(new Error(why));
    });
  });
}

/** One SIPp run at a target rate: what it achieved and whether the step passed. */
export interface SippStep {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  achievedCps: number;
  sippExit: number;
  passed: boolean;
}
