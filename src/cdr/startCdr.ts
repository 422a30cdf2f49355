import type { Logger } from '../logger.js';
import type { MediaServer } from '../media/MediaTypes.js';
import type { Store } from '../store/StoreTypes.js';
import type { CdrLog } from './CdrLog.js';
import { CdrRecorder } from './CdrRecorder.js';
import { numberCallHooks, phoneCallHooks, type NumberCallHooks, type PhoneCallHooks } from './callRecords.js';
import { CreditLimit } from './CreditLimit.js';
import { openCdrLog } from './openCdrLog.js';
import { loadRateFile } from './rates.js';
import { scheduleRetention } from './retention.js';

export interface CdrSettings {
  ratesFile?: string;
  retentionMonths: number;
  anonymiseAfterDays?: number;
  instanceId: string;
  /** Another instance silent this long has crashed: its open records are closed (CDR_RECOVERY_SECONDS; default 60). */
  recoverySeconds?: number;
}

export interface RunningCdr {
  log: CdrLog;
  recorder: CdrRecorder;
  numberCalls: NumberCallHooks;
  phoneCalls: PhoneCallHooks;
  stop(): Promise<void>;
}

/**
 * Everything `contactsuite start` needs for CDRs: the rate tables, the log (Redis or files),
 * the recorder (closing what a crash left open), the retention schedule, the credit limit, and
 * the hooks for number calls and phone calls.
 */
export async function startCdr(opts: {
  settings: CdrSettings;
  redisUrl?: string;
  dataDir: string;
  store: Store;
  media?: MediaServer;
  logger: Logger;
}): Promise<RunningCdr> {
  const { settings, logger } = opts;
  const rates = await loadRateFile(settings.ratesFile);
  const log = await openCdrLog({
    redisUrl: opts.redisUrl,
    dataDir: opts.dataDir,
    logger,
    ...(settings.anonymiseAfterDays !== undefined ? { anonymiseAfterDays: settings.anonymiseAfterDays } : {}),
  });
  const staleMs = (settings.recoverySeconds ?? 60) * 1000;
  // Three heartbeats per recovery period, so one late heartbeat does not make a live instance look crashed.
  const heartbeatMs = Math.min(10_000, Math.floor(staleMs / 3));
  const recorder = await CdrRecorder.start({ log, rates, logger, instanceId: settings.instanceId, staleMs, heartbeatMs });
  const stopRetention = scheduleRetention(log, settings, logger.child({ component: 'cdr' }));
  const credit = new CreditLimit({ store: opts.store, recorder, logger, ...(opts.media ? { media: opts.media } : {}) });
  return {
    log,
    recorder,
    numberCalls: numberCallHooks(recorder),
    phoneCalls: phoneCallHooks(recorder, credit, logger),
    async stop() {
      stopRetention();
      // The app has just hung up every call; give their CDRs a moment to close with real figures.
      await recorder.stop({ drainMs: 2000 });
      await log.shutdown();
    },
  };
}
