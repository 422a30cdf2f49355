import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../logger.js';

export interface EngineProcessOptions {
  /** The executable and arguments that run the engine (normally this CLI's `engine` command). */
  command: string;
  args: string[];
  logger: Logger;
  /** First restart delay; doubles on each crash in a row, up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A child that ran this long before exiting counts as healthy: the backoff starts over. */
  stableAfterMs?: number;
}

/**
 * The embedded SIP engine as a supervised child process. Why a child and not in-process: on our
 * 2-core machines the engine and the app each get a core; the process topology is the one
 * production has with drachtio-server (app and SIP stack talk only over the control socket);
 * and an engine crash does not take the app down: the child is restarted with backoff while
 * srf reconnects on its own and /health reports the engine disconnected meanwhile.
 */
export class EngineProcess {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private failures = 0;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly stableAfterMs: number;
  private exitListeners: Array<(reason: string) => void> = [];
  /** How many times the child has been started, restarts included. */
  starts = 0;
  /** The engine's latest counters and gauges, sent over IPC every few seconds (see engine.ts). */
  stats: Record<string, number> = {};

  constructor(private readonly opts: EngineProcessOptions) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.stableAfterMs = opts.stableAfterMs ?? 10_000;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.stopping = false;
    this.spawnChild();
  }

  /** Resolves with a description the next time the child exits (for start-up waits). */
  nextExit(): Promise<string> {
    return new Promise((resolve) => this.exitListeners.push(resolve));
  }

  private spawnChild(): void {
    const startedAt = Date.now();
    this.starts += 1;
    // stdout/stderr are shared: the child logs JSON lines through its own pino, like ours. The
    // IPC channel is only a lifeline: the engine exits when it closes, so an engine never
    // outlives a supervisor that was killed outright.
    const child = spawn(this.opts.command, this.opts.args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    this.opts.logger.info({ pid: child.pid, start: this.starts }, 'engine process started');
    child.on('message', (m: unknown) => {
      if (m && typeof m === 'object' && (m as { type?: unknown }).type === 'stats') {
        const raw = (m as { stats?: unknown }).stats;
        if (raw && typeof raw === 'object') {
          this.stats = Object.fromEntries(Object.entries(raw).filter((e): e is [string, number] => typeof e[1] === 'number'));
        }
      }
    });
    child.once('error', (err) => {
      this.opts.logger.error({ err: err.message }, 'engine process could not be started');
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const reason = `engine process exited (${signal ? `signal ${signal}` : `code ${code}`})`;
      const listeners = this.exitListeners;
      this.exitListeners = [];
      for (const l of listeners) l(reason);
      if (this.stopping) return;
      if (Date.now() - startedAt >= this.stableAfterMs) this.failures = 0;
      const delay = Math.min(this.initialBackoffMs * 2 ** this.failures, this.maxBackoffMs);
      this.failures += 1;
      this.opts.logger.error({ code, signal, restartInMs: delay }, `${reason}; restarting`);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (!this.stopping) this.spawnChild();
      }, delay);
    });
  }

  /**
   * No more restarts from now on. Called first at shutdown: on Ctrl-C the terminal signals the
   * whole process group, so the child may exit before stop() is reached.
   */
  holdRestarts(): void {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  /** Stops the child (SIGTERM, then SIGKILL after `graceMs`) and any pending restart. */
  async stop(graceMs = 5000): Promise<void> {
    this.holdRestarts();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
