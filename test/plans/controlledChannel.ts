import type { CallChannel, ForwardResult, HuntResult } from '../../src/plans/CallChannel.js';
import type { FaxOutcome } from '../../src/plans/nodes/fax.js';
import type { ForwardTarget } from '../../src/plans/nodes/forward.js';
import type { HuntGroupSpec } from '../../src/plans/nodes/huntgroup.js';
import type { VoicemailResult } from '../../src/plans/nodes/voicemail.js';

/** One CallChannel call the test settles by hand. */
export interface PendingCall {
  method: 'play' | 'collect' | 'forward' | 'huntGroup' | 'voicemail' | 'receiveFax' | 'waitForFaxTone' | 'hangup';
  prompts?: string[];
  timeoutMs?: number;
  target?: ForwardTarget;
  ringTimeoutMs?: number;
  group?: HuntGroupSpec;
  box?: string;
  email?: string[];
  cause?: string;
  signal?: AbortSignal;
  settled: boolean;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * A CallChannel whose calls stay pending until the test settles them (or `auto` answers them),
 * recording every call and its AbortSignal. The clock is a field the test moves.
 */
export class ControlledChannel implements CallChannel {
  readonly calls: PendingCall[] = [];
  clock: Date;

  constructor(
    at: Date,
    private readonly auto?: (call: PendingCall) => unknown,
  ) {
    this.clock = at;
  }

  now(): Date {
    return this.clock;
  }

  private pending<T>(call: Omit<PendingCall, 'settled' | 'resolve' | 'reject'>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: PendingCall = {
        ...call,
        settled: false,
        resolve: (v) => {
          entry.settled = true;
          resolve(v as T);
        },
        reject: (e) => {
          entry.settled = true;
          reject(e);
        },
      };
      this.calls.push(entry);
      if (this.auto) {
        const v = this.auto(entry);
        if (v instanceof Error) entry.reject(v);
        else entry.resolve(v);
      }
    });
  }

  play(prompts: string[], signal: AbortSignal): Promise<void> {
    return this.pending({ method: 'play', prompts, signal });
  }
  collect(opts: { prompts: string[]; timeoutMs: number }, signal: AbortSignal): Promise<string | undefined> {
    return this.pending({ method: 'collect', prompts: opts.prompts, timeoutMs: opts.timeoutMs, signal });
  }
  forward(target: ForwardTarget, opts: { ringTimeoutMs: number }, signal: AbortSignal): Promise<ForwardResult> {
    return this.pending({ method: 'forward', target, ringTimeoutMs: opts.ringTimeoutMs, signal });
  }
  huntGroup(group: HuntGroupSpec, signal: AbortSignal): Promise<HuntResult> {
    return this.pending({ method: 'huntGroup', group, signal });
  }
  voicemail(box: string, signal: AbortSignal): Promise<VoicemailResult> {
    return this.pending({ method: 'voicemail', box, signal });
  }
  receiveFax(opts: { email: string[] }, signal: AbortSignal): Promise<FaxOutcome> {
    return this.pending({ method: 'receiveFax', email: opts.email, signal });
  }
  waitForFaxTone(signal: AbortSignal): Promise<void> {
    return this.pending({ method: 'waitForFaxTone', signal });
  }
  hangup(cause: string): Promise<void> {
    return this.pending({ method: 'hangup', cause });
  }

  /** The prompts the caller has been played, in order (play and collect alike). */
  heard(): string[] {
    return this.calls.flatMap((c) => c.prompts ?? []);
  }

  /** Waits (a bounded number of event-loop turns) for the next unsettled call. */
  async next(method?: PendingCall['method']): Promise<PendingCall> {
    for (let i = 0; i < 1000; i++) {
      const open = this.calls.find((c) => !c.settled);
      if (open) {
        if (method && open.method !== method) throw new Error(`expected a ${method} call, got ${open.method}`);
        return open;
      }
      await new Promise((r) => setImmediate(r));
    }
    throw new Error('no pending CallChannel call');
  }
}
