import type { Command } from 'commander';
import { tariffAnnouncementPrompts } from '../numbers/tariffAnnouncement.js';
import type { Tariff } from '../numbers/NumberTypes.js';
import { formatIssue, loadPlanFile } from '../plans/loadPlanFile.js';
import type { CompileOptions } from '../plans/machine.js';
import { formatSimulation, simulatePlan } from '../plans/simulate.js';
import { instantOf } from '../plans/wallClock.js';

/** `contactsuite plan validate|simulate`: check a plan file and walk a call through it, without SIP or media. */

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export interface PlanCommandIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: PlanCommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Exit status 0 and 'ok' (plus warnings on stderr), or 1 with one `file:line path: message` per error. */
export async function validatePlanFile(file: string, io: PlanCommandIo = processIo): Promise<number> {
  const result = await loadPlanFile(file);
  for (const w of result.warnings) io.err(`warning: ${formatIssue(w)}`);
  if (!result.ok) {
    for (const e of result.errors) io.err(formatIssue(e));
    return 1;
  }
  io.out('ok');
  return 0;
}

export interface SimulateOptions {
  /** Local time in Europe/Amsterdam ('2026-12-25T10:00') or an ISO instant with an offset. */
  at: string;
  dtmf: string[];
  busy: string[];
  unanswered: string[];
  failing: string[];
  /** JSON of a Tariff, e.g. '{"perMinuteCents":80}' */
  tariff?: string;
}

export async function simulatePlanFile(file: string, opts: SimulateOptions, compile: CompileOptions, io: PlanCommandIo = processIo): Promise<number> {
  const result = await loadPlanFile(file);
  if (!result.ok) {
    for (const e of result.errors) io.err(formatIssue(e));
    return 1;
  }
  const at = instantOf(opts.at, 'Europe/Amsterdam');
  if (Number.isNaN(at.getTime())) {
    io.err(`--at: "${opts.at}" is not a date-time like 2026-12-25T10:00`);
    return 1;
  }
  let tariff: Tariff | undefined;
  if (opts.tariff !== undefined) {
    try {
      tariff = JSON.parse(opts.tariff) as Tariff;
    } catch (err) {
      io.err(`--tariff: not JSON: ${(err as Error).message}`);
      return 1;
    }
  }
  const sim = await simulatePlan(
    result.plan,
    { at, dtmf: opts.dtmf, busy: opts.busy, noAnswer: opts.unanswered, failing: opts.failing, tariff },
    compile,
  );
  for (const line of formatSimulation(sim)) io.out(line);
  return 0;
}


export function registerPlanCommand(program: Command, compile: CompileOptions = { tariffPrompts: tariffAnnouncementPrompts }): void {
  const plan = program.command('plan').description('check and try out call plan files (dialplans/*.yaml)');

  plan
    .command('validate')
    .description('validate a plan file; prints ok, or each error as file:line path: message')
    .argument('<file>', 'plan YAML file')
    .action(async (file: string) => {
      process.exitCode = await validatePlanFile(file);
    });

  plan
    .command('simulate')
    .description('run a call through a plan without SIP or media; prints the path and what the caller hears')
    .argument('<file>', 'plan YAML file')
    .requiredOption('--at <datetime>', 'when the call comes in, local Amsterdam time (2026-12-25T10:00) or ISO with offset')
    .option('--dtmf <key>', 'a key the caller presses at the next menu (repeatable; "" lets the menu time out)', collect, [] as string[])
    .option('--busy <target>', 'an account or number that is busy (repeatable)', collect, [] as string[])
    // Not '--no-answer': commander reads a '--no-' prefix as negating '--answer'.
    .option('--unanswered <target>', 'an account or number that does not answer (repeatable)', collect, [] as string[])
    .option('--failing <target>', 'an account or number that cannot be reached (repeatable)', collect, [] as string[])
    .option('--tariff <json>', 'the number\'s caller tariff, e.g. \'{"perMinuteCents":80}\'')
    .action(async (file: string, opts: SimulateOptions) => {
      process.exitCode = await simulatePlanFile(file, opts, compile);
    });
}
