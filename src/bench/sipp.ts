import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';

/*
 * SIPp (Debian's sip-tester 3.6.1) as a child process, for the SIP benchmark and the e2e tests
 * (test/support/sipp.ts re-exports this). SIPp runs in the foreground without a TTY (-nostdin);
 * its final statistics screen on stdout gives the call counts.
 */

/** The scenario folder of this repository (test/scenarios), from src/bench or dist/bench alike. */
export const SCENARIOS = new URL('../../test/scenarios/', import.meta.url).pathname;

/** Absolute path of a scenario in test/scenarios, e.g. scenario('uac-call'). */
export function scenario(name: string): string {
  return join(SCENARIOS, name.endsWith('.xml') ? name : `${name}.xml`);
}

export interface SippOptions {
  /** Absolute path to a scenario XML, or a SIPp built-in name such as 'uac' or 'uas'. */
  scenario: string;
  /** Where a UAC sends its first request, e.g. '127.0.0.1:5060'. UAS runs leave it out. */
  remote?: string;
  /** SIP port SIPp binds on 127.0.0.1. */
  localPort: number;
  transport?: 'u1' | 't1';
  /** -m: stop after this many calls (default 1). */
  calls?: number;
  /** -r / -rp: call rate per period (default SIPp's 10 per second). */
  rate?: number;
  ratePeriodMs?: number;
  /** -l: maximum simultaneous calls. */
  limit?: number;
  /**
   * Bound on the run in ms (default 15 s, at most 120 s): SIPp's -timeout (exit 97 when idle) and
   * -recv_timeout (a call waiting longer for a message fails); SIGKILL 5 s later as a backstop.
   */
  timeoutMs?: number;
  /** Extra SIPp arguments, appended as given. */
  extra?: string[];
  /** -set name value pairs, read in scenarios as [$name]. */
  vars?: Record<string, string>;
  /** Keep -trace_msg / -trace_err logs and return them (default true). */
  trace?: boolean;
  /** Working directory for SIPp's own files; a fresh temporary one (removed afterwards) by default. */
  cwd?: string;
}

export interface SippResult {
  /** SIPp's exit code (see exitMeaning); -1 when it was killed by a signal. */
  code: number;
  successful: number;
  failed: number;
  /** SIPp's cumulative call rate (calls created per second over the run). */
  callRate: number;
  stdout: string;
  stderr: string;
  /** The -trace_msg log: every SIP message SIPp sent and received. */
  messages?: string;
  /** The -trace_err log: unexpected messages and aborted calls. */
  errors?: string;
}

export interface RunningSipp {
  done: Promise<SippResult>;
  /** The child's pid, e.g. to read its memory. */
  pid: number;
  kill(): void;
}

/** What SIPp 3.6.1's exit code means (sipp(1), "Exit codes"). */
export function exitMeaning(code: number): string {
  switch (code) {
    case 0: return 'all calls successful';
    case 1: return 'at least one call failed';
    case 97: return 'exit on internal command or global timeout';
    case 99: return 'normal exit without calls processed';
    case 255: return 'fatal error';
    case 254: return 'fatal error binding a socket';
    case -1: return 'killed by a signal';
    default: return `unknown exit code ${code}`;
  }
}

const MAX_TIMEOUT_MS = 120_000;
const running = new Set<ChildProcess>();

/** Kills every SIPp this process started that is still running; call it in afterAll. */
export function killAllSipp(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

function lastCumulative(stdout: string, label: string): number {
  const re = new RegExp(`${label}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`, 'g');
  let value = 0;
  for (const match of stdout.matchAll(re)) value = Number(match[1]);
  return value;
}

function cumulativeCallRate(stdout: string): number {
  let value = 0;
  for (const match of stdout.matchAll(/Call Rate\s*\|\s*[\d.]+ cps\s*\|\s*([\d.]+) cps/g)) value = Number(match[1]);
  return value;
}

function buildArgs(opts: SippOptions, files: { messages: string; errors: string; screen: string }, controlPort: number): string[] {
  const args: string[] = [];
  if (isAbsolute(opts.scenario)) args.push('-sf', opts.scenario);
  else args.push('-sn', opts.scenario);
  if (opts.remote) args.push(opts.remote);
  const timeoutMs = Math.min(opts.timeoutMs ?? 15_000, MAX_TIMEOUT_MS);
  args.push(
    '-i', '127.0.0.1',
    '-p', String(opts.localPort),
    '-t', opts.transport ?? 'u1',
    '-m', String(opts.calls ?? 1),
    // Without a TTY SIPp must not read stdin; the final statistics screen still goes to stdout.
    '-nostdin',
    // -timeout only stops new calls: SIPp then waits for calls in progress, so -recv_timeout
    // (per expected message) is what ends a call stuck on a message that never comes.
    '-timeout', `${Math.ceil(timeoutMs / 1000)}s`,
    '-recv_timeout', String(Math.max(1000, timeoutMs - 1000)),
    '-trace_screen', '-screen_file', files.screen,
    // SIPp searches upwards from 8888 for its remote-control port only about ten times, so
    // parallel test workers get one of their own (an explicit -cp that is taken is fatal).
    // Media ports need no help: without -mp SIPp searches upwards from 6000 itself.
    '-cp', String(controlPort),
  );
  if (opts.rate !== undefined) args.push('-r', String(opts.rate));
  if (opts.ratePeriodMs !== undefined) args.push('-rp', `${opts.ratePeriodMs}ms`);
  if (opts.limit !== undefined) args.push('-l', String(opts.limit));
  if (opts.trace ?? true) {
    args.push('-trace_msg', '-message_file', files.messages, '-trace_err', '-error_file', files.errors);
  }
  for (const [name, value] of Object.entries(opts.vars ?? {})) args.push('-set', name, value);
  args.push(...(opts.extra ?? []));
  return args;
}

function readIfThere(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

async function launch(opts: SippOptions): Promise<RunningSipp> {
  const controlPort = await freePort();
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), 'sipp-'));
  const files = { messages: join(cwd, 'messages.log'), errors: join(cwd, 'errors.log'), screen: join(cwd, 'screen.log') };
  const child = spawn('sipp', buildArgs(opts, files, controlPort), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  // SIPp's own -timeout should end it; this is the backstop if SIPp itself hangs.
  const hardLimit = setTimeout(() => child.kill('SIGKILL'), Math.min(opts.timeoutMs ?? 15_000, MAX_TIMEOUT_MS) + 5_000);

  const done = new Promise<SippResult>((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(hardLimit);
      running.delete(child);
      reject(new Error(`cannot run sipp: ${err.message} (is Debian's sip-tester installed?)`));
    });
    child.once('close', (code) => {
      clearTimeout(hardLimit);
      running.delete(child);
      const screen = readIfThere(files.screen) ?? '';
      const stats = stdout.includes('Successful call') ? stdout : screen;
      const result: SippResult = {
        code: code ?? -1,
        successful: lastCumulative(stats, 'Successful call'),
        failed: lastCumulative(stats, 'Failed call'),
        callRate: cumulativeCallRate(stats),
        stdout,
        stderr,
      };
      if (opts.trace ?? true) {
        result.messages = readIfThere(files.messages) ?? '';
        result.errors = readIfThere(files.errors) ?? '';
      }
      if (!opts.cwd) rmSync(cwd, { recursive: true, force: true });
      resolve(result);
    });
  });
  return { done, pid: child.pid ?? -1, kill: () => child.kill('SIGKILL') };
}

/** Runs SIPp to completion (bounded by timeoutMs) and reports its counts and logs. */
export async function runSipp(opts: SippOptions): Promise<SippResult> {
  return (await launch(opts)).done;
}

async function portBound(port: number, transport: 'u1' | 't1'): Promise<boolean> {
  const table = await readFile(transport === 't1' ? '/proc/net/tcp' : '/proc/net/udp', 'utf8');
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return table.split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    // For TCP only the LISTEN state (0A) means SIPp accepts connections.
    return cols[1] === local && (transport === 'u1' || cols[3] === '0A');
  });
}

/**
 * Starts SIPp (typically a UAS) and resolves once its SIP port is bound on 127.0.0.1, so a
 * UAC started afterwards finds it listening. Rejects if SIPp fails (exits with an error before the
 * port is seen bound) or the port stays unbound; a run that already ended successfully is returned.
 */
export async function startSipp(opts: SippOptions): Promise<RunningSipp> {
  const sipp = await launch(opts);
  let exited: SippResult | undefined;
  void sipp.done.then((r) => { exited = r; }, () => undefined);
  for (let i = 0; i < 100; i++) {
    // A short UAC scenario may finish before the port was seen bound: that is a run, not a failure to start.
    if (exited?.code === 0) return sipp;
    if (exited) throw new Error(`sipp exited before binding port ${opts.localPort}: code ${exited.code} (${exitMeaning(exited.code)}): ${exited.stderr}`);
    if (await portBound(opts.localPort, opts.transport ?? 'u1')) return sipp;
    await sleep(50);
  }
  sipp.kill();
  throw new Error(`sipp did not bind 127.0.0.1:${opts.localPort} within 5 s`);
}

/** One line per SIPp run for assertion messages: exit code, counts, and the message trace. */
export function describeRun(result: SippResult): string {
  return [
    `sipp exit ${result.code} (${exitMeaning(result.code)}), successful ${result.successful}, failed ${result.failed}`,
    result.errors ? `errors:\n${result.errors}` : '',
    result.messages ? `messages:\n${result.messages}` : '',
  ].filter(Boolean).join('\n');
}

