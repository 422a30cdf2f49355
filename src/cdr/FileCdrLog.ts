/**
 * CDRs as files in the data directory (the embedded default, one app instance): one JSONL file
 * of closed CDRs per day (`cdr/2026-10-05.jsonl`, Dutch date of the call's end), one small JSON
 * file per open call (`cdr/open/<id>.json`), and `cdr/totals.json` with the monthly totals and
 * how many lines of each day file they include.
 *
 * Exactly once without a database: a close appends the line first, then updates the totals,
 * then deletes the open file. After a crash, start-up finishes whatever step was cut short: an
 * open record whose id is already in a day file was closed (its file is deleted, not closed
 * again), and day-file lines beyond the counted ones are added to the totals.
 */
import { appendFile, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { CdrLog, CdrScanRange } from './CdrLog.js';
import type { Cdr, OpenCdr } from './CdrTypes.js';
import { aggregateDelta, dayOf, MonthTotals, type AggregateDelta, type AggregateMetric } from './MonthlyAggregates.js';

interface TotalsFile {
  months: Record<string, Record<string, number>>;
  /** day file name → lines already in `months` */
  applied: Record<string, number>;
  /** day files whose callers were anonymised */
  anonymised: string[];
}

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

export class FileCdrLog implements CdrLog {
  readonly kind = 'file';
  private readonly openDir: string;
  private readonly totalsPath: string;
  private readonly heartbeatPath: string;
  private months = new Map<string, MonthTotals>();
  private applied: Record<string, number> = {};
  private anonymised = new Set<string>();
  private heartbeats: Record<string, number> = {};
  /** Set while a totals write is pending (at most one a second; start-up catches up on a crash). */
  private saveTimer: NodeJS.Timeout | undefined;
  /** Every write goes through this chain: one writer, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
    private readonly readOnly: boolean,
  ) {
    this.openDir = join(dir, 'open');
    this.totalsPath = join(dir, 'totals.json');
    this.heartbeatPath = join(dir, 'heartbeat.json');
  }

  /**
   * Opens `<dataDir>/cdr`. Read-only (reports from the CLI while the app runs): the files are
   * read and a cut-short close is counted in memory, but nothing is written.
   */
  static async open(dataDir: string, logger: Logger, opts: { readOnly?: boolean } = {}): Promise<FileCdrLog> {
    const log = new FileCdrLog(join(dataDir, 'cdr'), logger, opts.readOnly ?? false);
    if (!log.readOnly) await mkdir(log.openDir, { recursive: true });
    await log.load();
    return log;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<void> {
    const saved = await readJson<TotalsFile>(this.totalsPath);
    if (saved) {
      for (const [month, fields] of Object.entries(saved.months)) {
        const totals = new MonthTotals();
        for (const [f, v] of Object.entries(fields)) totals.addField(f, v);
        this.months.set(month, totals);
      }
      this.applied = saved.applied;
      this.anonymised = new Set(saved.anonymised);
    }
    this.heartbeats = (await readJson<Record<string, number>>(this.heartbeatPath)) ?? {};
    // Lines appended after the last totals write (a crash in between) are counted now.
    let caughtUp = 0;
    for (const file of await this.dayFiles()) {
      const lines = await this.lines(file);
      const done = this.applied[file] ?? 0;
      for (const line of lines.slice(done)) {
        const cdr = parseCdr(line);
        if (cdr) this.addTotals(aggregateDelta(cdr));
        caughtUp++;
      }
      this.applied[file] = lines.length;
    }
    if (caughtUp > 0) {
      this.logger.warn({ lines: caughtUp }, 'cdr totals caught up with day files after an unclean stop');
      if (!this.readOnly) await this.saveTotals();
    }
    if (this.readOnly) return;
    // Claimed records (a close was under way): if the CDR was appended the close only missed its
    // last step; otherwise the record is open again. Open records already appended likewise.
    const names = await readdir(this.openDir).catch(() => [] as string[]);
    // A record whose first write a crash cut short: the call had only just begun.
    for (const n of names.filter((x) => x.endsWith('.json.tmp'))) await rm(join(this.openDir, n), { force: true });
    for (const n of names.filter((x) => x.endsWith('.closing'))) {
      const rec = await readJson<OpenCdr>(join(this.openDir, n));
      if (rec?.start?.id && !(await this.alreadyClosed(rec))) await rename(join(this.openDir, n), join(this.openDir, `${rec.start.id}.json`));
      else await rm(join(this.openDir, n), { force: true });
    }
    for (const rec of await this.readOpen()) {
      if (await this.alreadyClosed(rec)) {
        await rm(join(this.openDir, `${rec.start.id}.json`), { force: true });
        this.logger.warn({ id: rec.start.id }, 'open cdr was already closed; removed the open record');
      }
    }
  }

  private async dayFiles(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => DAY_FILE.test(n)).sort();
  }

  private async lines(file: string): Promise<string[]> {
    const text = await readFile(join(this.dir, file), 'utf8').catch(() => '');
    // A line cut off by a crash has no newline yet; it is neither counted nor read.
    const all = text.split('\n');
    all.pop();
    return all;
  }

  private async alreadyClosed(rec: OpenCdr): Promise<boolean> {
    const from = `${dayOf(rec.start.startedAt)}.jsonl`;
    const needle = `"id":"${rec.start.id}"`;
    for (const file of await this.dayFiles()) {
      if (file < from) continue;
      if ((await this.lines(file)).some((l) => l.includes(needle))) return true;
    }
    return false;
  }

  private addTotals(delta: AggregateDelta): void {
    let totals = this.months.get(delta.month);
    if (!totals) {
      totals = new MonthTotals();
      this.months.set(delta.month, totals);
    }
    totals.add(delta);
  }

  private async saveTotals(): Promise<void> {
    const file: TotalsFile = {
      months: Object.fromEntries([...this.months].map(([m, t]) => [m, t.fields()])),
      applied: this.applied,
      anonymised: [...this.anonymised],
    };
    // Write-then-rename: a crash leaves the old or the new file, never half of one.
    const tmp = `${this.totalsPath}.tmp`;
    await writeFile(tmp, JSON.stringify(file));
    await rename(tmp, this.totalsPath);
  }

  /**
   * The totals file is rewritten at most once a second, not per CDR: it records how many lines
   * of each day file it includes, so lines after a crash are counted at the next start.
   */
  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.serial(() => this.saveTotals()).catch((err: Error) => this.logger.warn({ err: err.message }, 'cdr totals write failed'));
    }, 1000);
    this.saveTimer.unref();
  }

  private async readOpen(): Promise<OpenCdr[]> {
    const names = await readdir(this.openDir).catch(() => [] as string[]);
    const out: OpenCdr[] = [];
    for (const n of names.filter((x) => x.endsWith('.json'))) {
      const rec = await readJson<OpenCdr>(join(this.openDir, n));
      if (rec?.start?.id) out.push(rec);
    }
    return out;
  }

  open(rec: OpenCdr): Promise<void> {
    // Write-then-rename: a crash mid-write must not leave half a record that recovery cannot read
    // (the temporary name does not end in .json, so recovery never picks it up).
    return this.serial(async () => {
      const final = join(this.openDir, `${rec.start.id}.json`);
      const tmp = `${final}.tmp`;
      await writeFile(tmp, JSON.stringify(rec));
      await rename(tmp, final);
    });
  }

  closeRecord(cdr: Cdr, delta: AggregateDelta): Promise<boolean> {
    return this.serial(async () => {
      // Claim the record by renaming it (atomic): of two closers, only one succeeds.
      const claimed = join(this.openDir, `${cdr.id}.closing`);
      const won = await rename(join(this.openDir, `${cdr.id}.json`), claimed).then(
        () => true,
        () => false,
      );
      if (!won) return false;
      const file = `${dayOf(cdr.endedAt)}.jsonl`;
      await appendFile(join(this.dir, file), `${JSON.stringify(cdr)}\n`);
      this.addTotals(delta);
      this.applied[file] = (this.applied[file] ?? 0) + 1;
      this.scheduleSave();
      await unlink(claimed);
      return true;
    });
  }

  openRecords(): Promise<OpenCdr[]> {
    return this.serial(() => this.readOpen());
  }

  heartbeat(instanceId: string, at: number): Promise<void> {
    this.heartbeats[instanceId] = at;
    return this.serial(async () => {
      const tmp = `${this.heartbeatPath}.tmp`;
      await writeFile(tmp, JSON.stringify(this.heartbeats));
      await rename(tmp, this.heartbeatPath);
    });
  }

  async lastHeartbeat(instanceId: string): Promise<number | undefined> {
    return this.heartbeats[instanceId];
  }

  async month(month: string): Promise<MonthTotals> {
    return this.months.get(month) ?? new MonthTotals();
  }

  async counter(month: string, customerId: string, line: string, metric: AggregateMetric): Promise<number> {
    return this.months.get(month)?.get(customerId, line)?.[metric] ?? 0;
  }

  /** Deletes whole day files older than the day of `before`. */
  purge(before: number): Promise<number> {
    return this.serial(async () => {
      const cutoff = `${dayOf(before)}.jsonl`;
      let removed = 0;
      for (const file of await this.dayFiles()) {
        if (file >= cutoff) continue;
        removed += (await this.lines(file)).length;
        await rm(join(this.dir, file), { force: true });
        delete this.applied[file];
        this.anonymised.delete(file);
      }
      if (removed > 0) await this.saveTotals();
      return removed;
    });
  }

  /** Rewrites day files older than the day of `before` without callers' numbers (line count unchanged). */
  anonymise(before: number): Promise<number> {
    return this.serial(async () => {
      const cutoff = `${dayOf(before)}.jsonl`;
      let changed = 0;
      for (const file of await this.dayFiles()) {
        if (file >= cutoff || this.anonymised.has(file)) continue;
        const out = (await this.lines(file)).map((line) => {
          const cdr = parseCdr(line);
          if (!cdr || cdr.caller.number === undefined) return line;
          changed++;
          return JSON.stringify({ ...cdr, caller: { restricted: cdr.caller.restricted }, callerAnonymised: true });
        });
        const tmp = join(this.dir, `${file}.tmp`);
        await writeFile(tmp, out.map((l) => `${l}\n`).join(''));
        await rename(tmp, join(this.dir, file));
        this.anonymised.add(file);
      }
      await this.saveTotals();
      return changed;
    });
  }

  /** Every closed CDR in the day files, oldest file first (tests, exports). */
  readAll(): Promise<Cdr[]> {
    return this.scan({}, () => true);
  }

  /** Day files are named by the day a CDR ended: only those in the range are read. */
  async scan(range: CdrScanRange, keep: (cdr: Cdr) => boolean): Promise<Cdr[]> {
    const first = range.endedFrom !== undefined ? `${dayOf(range.endedFrom)}.jsonl` : '';
    const last = range.endedTo !== undefined ? `${dayOf(range.endedTo)}.jsonl` : undefined;
    const out: Cdr[] = [];
    for (const file of await this.dayFiles()) {
      if (file < first || (last !== undefined && file > last)) continue;
      for (const line of await this.lines(file)) {
        const cdr = parseCdr(line);
        if (cdr && keep(cdr)) out.push(cdr);
      }
    }
    return out;
  }

  async shutdown(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      await this.serial(() => this.saveTotals());
    }
    await this.queue;
  }
}

function parseCdr(line: string): Cdr | undefined {
  try {
    const v = JSON.parse(line) as Cdr;
    return typeof v?.id === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
