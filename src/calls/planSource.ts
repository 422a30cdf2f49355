/**
 * Where a number's live call plan comes from: a plan in the store (its live version), or a plan
 * file in dialplans/ addressed as 'file:<basename>' (e.g. 'file:demo-0909'). Compiled machines
 * are cached per plan version (store) or per loaded file content (files), so a call never
 * compiles and a publish or a file change takes effect for the next call.
 */
import { basename } from 'node:path';
import type { Logger } from '../logger.js';
import { tariffAnnouncementPrompts } from '../numbers/tariffAnnouncement.js';
import { formatIssue, PLAN_FILE, watchPlans, type PlanWatcher } from '../plans/loadPlanFile.js';
import { compilePlan, type CallMachine, type CompileOptions } from '../plans/machine.js';
import { parsePlan, type Plan } from '../plans/schema.js';
import type { PlanRepo } from '../store/StoreTypes.js';

/** The prefix of plan ids that name a file in the dialplans directory. */
export const FILE_PLAN_PREFIX = 'file:';

/** Every number's calls compile with the Dutch tariff announcement of the numbers module. */
export const RUNTIME_COMPILE_OPTIONS: CompileOptions = { tariffPrompts: tariffAnnouncementPrompts };

export interface LivePlan {
  /** 'store:<planId>@<version>' or 'file:<basename>' */
  source: string;
  plan: Plan;
  machine: CallMachine;
}

export interface PlanSourceOptions {
  plans: PlanRepo;
  logger: Logger;
  /** The dialplans directory; unset: only store plans. */
  dialplansDir?: string;
  compileOptions?: CompileOptions;
}

export class PlanSource {
  private readonly logger: Logger;
  private readonly compileOptions: CompileOptions;
  /** Store plans by 'planId@version'; versions never change, so entries never go stale. */
  private readonly storeCache = new Map<string, LivePlan>();
  /** File plans by basename, replaced when the file loads again without errors. */
  private readonly files = new Map<string, LivePlan>();
  private watcher: PlanWatcher | undefined;

  constructor(private readonly opts: PlanSourceOptions) {
    this.logger = opts.logger.child({ component: 'plans' });
    this.compileOptions = opts.compileOptions ?? RUNTIME_COMPILE_OPTIONS;
  }

  /**
   * Loads the plan files and watches the directory. A bad file is logged with file, line, path
   * and reason and never replaces the last good plan of that file (watchPlans guarantees it).
   */
  async start(): Promise<void> {
    const dir = this.opts.dialplansDir;
    if (!dir) return;
    this.watcher = await watchPlans(
      dir,
      (file, plan) => {
        const name = basename(file).replace(PLAN_FILE, '');
        this.files.set(name, { source: `${FILE_PLAN_PREFIX}${name}`, plan, machine: compilePlan(plan, this.compileOptions) });
        this.logger.info({ file, planId: `${FILE_PLAN_PREFIX}${name}` }, 'plan file loaded');
      },
      (file, errors) => {
        this.logger.error({ file, errors: errors.map(formatIssue) }, 'plan file rejected; calls keep the last good version');
      },
      {
        onRemove: (file) => {
          const name = basename(file).replace(PLAN_FILE, '');
          this.files.delete(name);
          this.logger.warn({ file }, 'plan file removed');
        },
      },
    );
  }

  /** The plan ids of the loaded files, e.g. ['file:demo-0909']. */
  fileIds(): string[] {
    return [...this.files.keys()].map((n) => `${FILE_PLAN_PREFIX}${n}`);
  }

  /** The live plan of `planId`, compiled; undefined when there is none (unknown id, no live version, invalid). */
  async live(planId: string): Promise<LivePlan | undefined> {
    if (planId.startsWith(FILE_PLAN_PREFIX)) return this.files.get(planId.slice(FILE_PLAN_PREFIX.length));
    const record = await this.opts.plans.get(planId);
    if (!record || record.liveVersion === undefined) return undefined;
    const key = `${planId}@${record.liveVersion}`;
    const cached = this.storeCache.get(key);
    if (cached) return cached;
    const version = await this.opts.plans.getVersion(planId, record.liveVersion);
    if (!version) return undefined;
    // The API validates before saving; a document that fails now (a schema change) is not run.
    const parsed = parsePlan(version.plan);
    if (!parsed.ok) {
      this.logger.error({ planId, version: record.liveVersion, errors: parsed.errors.map(formatIssue) }, 'live plan version is invalid');
      return undefined;
    }
    const live: LivePlan = { source: `store:${key}`, plan: parsed.plan, machine: compilePlan(parsed.plan, this.compileOptions) };
    this.storeCache.set(key, live);
    return live;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
