import type { Tariff } from '../numbers/NumberTypes.js';
import { huntOrder, huntOutcome, huntRounds, memberRingTime, ringsAgain, type MemberOutcome } from '../routing/huntOrder.js';
import type { CallChannel, ForwardResult, HuntResult } from './CallChannel.js';
import { callEnded, compilePlan, startCall, type CallEnd, type CompileOptions, type PathEntry } from './machine.js';
import type { FaxOutcome } from './nodes/fax.js';
import type { ForwardTarget } from './nodes/forward.js';
import { memberName, type HuntGroupSpec } from './nodes/huntgroup.js';
import type { Plan } from './schema.js';
import type { VoicemailResult } from './nodes/voicemail.js';
import { BEEP, DEFAULT_GREETING } from '../voicemail/prompts.js';

/**
 * The plan simulator: runs a plan through its real machine on a scripted CallChannel, without
 * SIP or media, and reports the path and what the caller would hear. Used by
 * `contactsuite plan simulate` and by admins checking a plan before publishing it.
 */

export interface SimulationScript {
  /** The moment the call comes in. */
  at: Date;
  /** Keys the caller presses, one per menu attempt in order; '' (or none left) lets the menu time out. */
  dtmf?: string[];
  /** Accounts or numbers that answer busy / do not answer / fail; everyone else answers. */
  busy?: string[];
  noAnswer?: string[];
  failing?: string[];
  /** The called number's tariff; announced first. */
  tariff?: Tariff;
  /** Seconds of simulated time each prompt takes (the clock moves on while the caller listens). */
  promptSeconds?: number;
  /** Stop a plan that loops through more nodes than this (a caller who never gives up). */
  maxNodes?: number;
  /** The caller is a fax machine: its calling tone (CNG) is heard as the plan starts; a plan's onFaxTone takes it. */
  faxTone?: boolean;
  /** How a fax reception ends (default: one page received). */
  fax?: 'received' | 'failed';
}

/** One thing that happened on the simulated call, in order. */
export type SimulationStep =
  | { kind: 'hear'; prompt: string }
  | { kind: 'press'; key: string | undefined }
  | { kind: 'ring'; target: string; result: ForwardResult }
  | { kind: 'hangup'; cause: string }
  | { kind: 'voicemail'; box: string }
  | { kind: 'fax'; email: string[]; outcome: FaxOutcome };

export interface SimulationResult {
  path: PathEntry[];
  /** Every prompt the caller hears, in order. */
  heard: string[];
  steps: SimulationStep[];
  end?: CallEnd;
  tariffAnnouncementEndedAt?: number;
  /** True when maxNodes stopped the call. */
  truncated: boolean;
}

function targetName(to: ForwardTarget): string {
  return 'account' in to ? to.account : to.number;
}

/** A CallChannel that answers from the script and advances a simulated clock. */
class ScriptedChannel implements CallChannel {
  readonly steps: SimulationStep[] = [];
  private clock: number;
  private readonly keys: string[];

  constructor(private readonly script: SimulationScript) {
    this.clock = script.at.getTime();
    this.keys = [...(script.dtmf ?? [])];
  }

  now(): Date {
    return new Date(this.clock);
  }

  private hear(prompts: string[]): void {
    for (const prompt of prompts) this.steps.push({ kind: 'hear', prompt });
    this.clock += prompts.length * (this.script.promptSeconds ?? 2) * 1000;
  }

  async play(prompts: string[]): Promise<void> {
    this.hear(prompts);
  }

  async collect(opts: { prompts: string[]; timeoutMs: number }): Promise<string | undefined> {
    this.hear(opts.prompts);
    const key = this.keys.shift() || undefined;
    if (key === undefined) this.clock += opts.timeoutMs;
    this.steps.push({ kind: 'press', key });
    return key;
  }

  async forward(to: ForwardTarget, opts: { ringTimeoutMs: number }): Promise<ForwardResult> {
    const target = targetName(to);
    const has = (list?: string[]): boolean => list?.includes(target) ?? false;
    const result: ForwardResult = has(this.script.busy) ? 'busy' : has(this.script.noAnswer) ? 'noanswer' : has(this.script.failing) ? 'failed' : 'answered';
    if (result === 'noanswer') this.clock += opts.ringTimeoutMs;
    this.steps.push({ kind: 'ring', target, result });
    return result;
  }

  /**
   * Hunt groups by the runtime's own ordering and round rules, from a group that remembers
   * nothing: sequential and round-robin groups ring their members again while time is left.
   */
  async huntGroup(group: HuntGroupSpec): Promise<HuntResult> {
    const byName = new Map(group.members.map((m) => [memberName(m), m]));
    const order = huntOrder(group.strategy, [...byName.keys()], { lastActivity: {} }).map((n) => byName.get(n) as ForwardTarget);
    const outcomes: MemberOutcome[] = [];
    const deadline = this.clock + group.ringTimeoutMs;
    const rounds = huntRounds(group.strategy, order.length, group.memberRingMs, group.ringTimeoutMs);
    for (let round = 1; ; round++) {
      const thisRound: MemberOutcome[] = [];
      for (const member of order) {
        const ringMs = group.strategy === 'simultaneous' ? group.ringTimeoutMs : memberRingTime(group.memberRingMs, deadline, this.clock);
        if (ringMs === 0) break;
        const target = targetName(member);
        const has = (list?: string[]): boolean => list?.includes(target) ?? false;
        const result: ForwardResult = has(this.script.busy) ? 'busy' : has(this.script.noAnswer) ? 'noanswer' : has(this.script.failing) ? 'failed' : 'answered';
        this.steps.push({ kind: 'ring', target, result });
        if (result === 'answered') return 'answered';
        thisRound.push(result === 'busy' ? 'busy' : 'noanswer');
        // Everyone rings at once in a simultaneous group: the clock moves once, below.
        if (result === 'noanswer' && group.strategy !== 'simultaneous') this.clock += ringMs;
      }
      outcomes.push(...thisRound);
      if (!ringsAgain(round, rounds, thisRound, deadline, this.clock)) break;
    }
    if (group.strategy === 'simultaneous' && outcomes.includes('noanswer')) this.clock += group.ringTimeoutMs;
    return huntOutcome(outcomes);
  }

  /** The caller hears the default greeting and the beep (a box's own greeting is not known here) and leaves a message. */
  async voicemail(box: string): Promise<VoicemailResult> {
    this.hear([DEFAULT_GREETING, BEEP]);
    this.steps.push({ kind: 'voicemail', box });
    return 'recorded';
  }

  async receiveFax(opts: { email: string[] }): Promise<FaxOutcome> {
    const outcome: FaxOutcome = this.script.fax === 'failed' ? { success: false, pages: 0, reason: 'simulated failure' } : { success: true, pages: 1, reason: 'OK' };
    this.steps.push({ kind: 'fax', email: opts.email, outcome });
    return outcome;
  }

  /** A fax caller's tone is heard at once; any other caller never sends one. */
  waitForFaxTone(signal: AbortSignal): Promise<void> {
    if (this.script.faxTone) return Promise.resolve();
    return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
  }

  async hangup(cause: string): Promise<void> {
    this.steps.push({ kind: 'hangup', cause });
  }
}

export async function simulatePlan(plan: Plan, script: SimulationScript, options: CompileOptions): Promise<SimulationResult> {
  const channel = new ScriptedChannel(script);
  const actor = startCall(compilePlan(plan, options), channel, script.tariff);
  const maxNodes = script.maxNodes ?? 100;
  let truncated = false;
  const sub = actor.subscribe((snap) => {
    if (snap.status === 'active' && snap.context.path.length > maxNodes) {
      truncated = true;
      actor.send({ type: 'CALLER_HUNGUP' });
    }
  });
  const out = await callEnded(actor);
  sub.unsubscribe();
  return {
    path: out.path,
    heard: channel.steps.flatMap((s) => (s.kind === 'hear' ? [s.prompt] : [])),
    steps: channel.steps,
    end: out.end,
    tariffAnnouncementEndedAt: out.tariffAnnouncementEndedAt,
    truncated,
  };
}

/** 'YYYY-MM-DD HH:MM:SS' in `timeZone` (sv-SE formats dates the ISO way). */
function localTime(ms: number, timeZone: string): string {
  return new Date(ms).toLocaleString('sv-SE', { timeZone });
}

/** The simulation as lines for people: the path (times in `timeZone`), then what the caller hears and does. */
export function formatSimulation(result: SimulationResult, timeZone = 'Europe/Amsterdam'): string[] {
  const lines = [`path (${timeZone}):`];
  for (const p of result.path) lines.push(`  ${localTime(p.enteredAt, timeZone)}  ${p.node} (${p.type})${p.outcome ? ` -> ${p.outcome}` : ''}`);
  if (result.tariffAnnouncementEndedAt !== undefined) lines.push(`tariff announcement ended ${localTime(result.tariffAnnouncementEndedAt, timeZone)}: charging starts`);
  lines.push('caller:');
  for (const s of result.steps) {
    if (s.kind === 'hear') lines.push(`  hears   ${s.prompt}`);
    else if (s.kind === 'press') lines.push(s.key === undefined ? '  presses nothing (timeout)' : `  presses ${s.key}`);
    else if (s.kind === 'ring') lines.push(`  rings   ${s.target}: ${s.result}`);
    else if (s.kind === 'voicemail') lines.push(`  leaves  a voicemail message in box ${s.box}`);
    else if (s.kind === 'fax') lines.push(`  faxes   ${s.outcome.success ? `${s.outcome.pages} page(s)` : `nothing (${s.outcome.reason})`}, mailed to ${s.email.join(', ')}`);
    else lines.push(`  hangup  (${s.cause})`);
  }
  lines.push(`end: ${result.end ?? 'unknown'}${result.truncated ? ' (stopped: the plan kept looping)' : ''}`);
  return lines;
}
