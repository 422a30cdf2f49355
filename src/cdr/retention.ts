/**
 * CDR retention: closed CDRs older than CDR_RETENTION_MONTHS are deleted (monthly totals stay,
 * so reports of old months keep working), and with CDR_ANONYMISE_AFTER_DAYS the caller's number
 * is removed from CDRs older than that (file log: rewritten day files; Redis: the number is kept
 * out of the Stream in a key that expires after that period, see RedisCdrLog).
 * Runs at start and then every `everyMs` (default 6 h).
 */
import type { Logger } from '../logger.js';
import type { CdrLog } from './CdrLog.js';

export interface RetentionPolicy {
  retentionMonths: number;
  anonymiseAfterDays?: number;
}

const DAY = 86_400_000;

/** The moment before which CDRs are deleted: `months` calendar months before `now` (UTC). */
export function retentionCutoff(now: number, months: number): number {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.getTime();
}

/** One retention pass; returns how many CDRs were deleted and anonymised. */
export async function applyRetention(log: CdrLog, policy: RetentionPolicy, now: number): Promise<{ purged: number; anonymised: number }> {
  const purged = await log.purge(retentionCutoff(now, policy.retentionMonths));
  const anonymised = policy.anonymiseAfterDays !== undefined ? await log.anonymise(now - policy.anonymiseAfterDays * DAY) : 0;
  return { purged, anonymised };
}

/** Runs retention now and on a timer; returns the stop function. */
export function scheduleRetention(log: CdrLog, policy: RetentionPolicy, logger: Logger, opts: { everyMs?: number; now?: () => number } = {}): () => void {
  const now = opts.now ?? Date.now;
  const run = (): void => {
    applyRetention(log, policy, now()).then(
      (r) => {
        if (r.purged || r.anonymised) logger.info({ ...r, retentionMonths: policy.retentionMonths }, 'cdr retention applied');
      },
      (err: Error) => logger.warn({ err: err.message }, 'cdr retention failed'),
    );
  };
  run();
  const timer = setInterval(run, opts.everyMs ?? 6 * 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
