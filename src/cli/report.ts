import { Command, Option } from 'commander';
import { openCdrLog } from '../cdr/openCdrLog.js';
import { cdrCsv, MONTH_PATTERN, outpaymentCsv, outpaymentReport, usageCsv, usageReport, type ReportScope } from '../cdr/reports.js';
import { ConfigError, loadConfig } from '../config.js';
import { silentLogger } from '../logger.js';
import { openStore } from '../store/openStore.js';

/**
 * `contactsuite report outpayment|usage --month 2026-10`: the monthly reports from the CDR
 * totals of the configured CDR log (REDIS_URL, else DATA_DIR/cdr, read without writing, so it
 * is safe while the app runs). CSV (default) or JSON on stdout; `report cdrs` exports the CDRs.
 */

interface ReportOptions {
  month: string;
  format: 'csv' | 'json';
  customer?: string;
}

/** The report text for a kind and options (exported for tests). */
export async function buildReport(kind: 'outpayment' | 'usage' | 'cdrs', opts: ReportOptions, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (!MONTH_PATTERN.test(opts.month)) throw new Error(`--month ${JSON.stringify(opts.month)}: expected a month as YYYY-MM, e.g. 2026-10`);
  const config = loadConfig(env);
  const logger = silentLogger();
  const log = await openCdrLog({ redisUrl: config.redisUrl, dataDir: config.dataDir, logger, readOnly: true });
  try {
    const scope: ReportScope = opts.customer !== undefined ? { customerId: opts.customer } : {};
    // Customer names live in the store; the in-process store of another process is not reachable.
    if (config.redisUrl !== undefined) {
      const store = await openStore(config.redisUrl, logger);
      try {
        scope.names = new Map((await store.customers.list()).map((c) => [c.id, c.name]));
      } finally {
        await store.close();
      }
    }
    if (kind === 'cdrs') {
      const cdrs = await log.readAll();
      if (opts.format === 'csv') return cdrCsv(opts.month, cdrs, scope);
      throw new Error('--format json: the CDR export is CSV only (restricted callers shown as anonymous)');
    }
    const totals = await log.month(opts.month);
    if (kind === 'outpayment') {
      const report = outpaymentReport(opts.month, totals, scope);
      return opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : outpaymentCsv(report);
    }
    const report = usageReport(opts.month, totals, scope);
    return opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : usageCsv(report);
  } finally {
    await log.shutdown();
  }
}

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('monthly reports from the CDRs');
  for (const [kind, description] of [
    ['outpayment', 'outpayment per customer and per service number: calls, minutes, revenue incl./excl. VAT, costs'],
    ['usage', 'call attempts and minutes per number (and per kind of phone call)'],
    ['cdrs', "every CDR of the month, one CSV line per call (a full scan of the kept CDRs; restricted callers as 'anonymous')"],
  ] as const) {
    report
      .command(kind)
      .description(description)
      .requiredOption('--month <YYYY-MM>', 'the Dutch calendar month, e.g. 2026-10')
      .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
      .option('--customer <id>', 'only this customer')
      .action(async (opts: ReportOptions) => {
        try {
          process.stdout.write(await buildReport(kind, opts));
        } catch (err) {
          const message = err instanceof ConfigError ? err.message : (err as Error).message;
          process.stderr.write(`contactsuite report ${kind}: ${message}\n`);
          process.exitCode = 1;
        }
      });
  }
}
