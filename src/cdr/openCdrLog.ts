import type { Logger } from '../logger.js';
import type { CdrLog } from './CdrLog.js';
import { FileCdrLog } from './FileCdrLog.js';
import { RedisCdrLog } from './RedisCdrLog.js';

/**
 * The CDR log the configuration asks for: a Redis Stream when REDIS_URL is set (every app
 * instance writes to it, consumers read it), else daily JSONL files in DATA_DIR/cdr/.
 */
export async function openCdrLog(opts: { redisUrl?: string; dataDir: string; logger: Logger; readOnly?: boolean; anonymiseAfterDays?: number }): Promise<CdrLog> {
  if (opts.redisUrl !== undefined) {
    return new RedisCdrLog(opts.redisUrl, opts.logger, {
      readOnly: opts.readOnly ?? false,
      ...(opts.anonymiseAfterDays !== undefined ? { anonymiseAfterMs: opts.anonymiseAfterDays * 86_400_000 } : {}),
    });
  }
  return FileCdrLog.open(opts.dataDir, opts.logger, { readOnly: opts.readOnly ?? false });
}
