import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { parseInventoryCsv } from '../inventory/import.js';
import { InventoryService } from '../inventory/InventoryService.js';
import { silentLogger } from '../logger.js';
import { openStore } from '../store/openStore.js';

/**
 * `contactsuite inventory import <file.csv>`: adds number blocks to the stock of the shared store
 * (REDIS_URL). The in-process store belongs to the running app, so without REDIS_URL only
 * `--dry-run` (validate) works; use POST /api/v1/inventory/import there. Any wrong line
 * rejects the whole file and every error is printed with its line number.
 */

export interface ImportOutcome {
  ok: boolean;
  /** What to print: a summary, or one error per line. */
  text: string;
}

export async function importInventoryFile(file: string, opts: { dryRun?: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<ImportOutcome> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${file}: cannot read (${err.code ?? err.message})`);
  });
  const parsed = parseInventoryCsv(text);
  if (parsed.errors.length > 0) {
    return { ok: false, text: parsed.errors.map((e) => `${file}:${e.line}: ${e.message}`).join('\n') + '\n' };
  }
  if (opts.dryRun) return { ok: true, text: `${file}: ${parsed.numbers.length} numbers valid (dry run, nothing imported)\n` };
  const config = loadConfig(env);
  if (config.redisUrl === undefined) {
    throw new Error('REDIS_URL is not set: the in-process store lives in the running app; import with POST /api/v1/inventory/import, or validate with --dry-run');
  }
  const store = await openStore(config.redisUrl, silentLogger());
  try {
    const inventory = new InventoryService({ store, options: config.inventory, logger: silentLogger() });
    const result = await inventory.importNumbers(parsed.numbers, 'cli');
    const skipped = result.alreadyInStock.length > 0 ? `; ${result.alreadyInStock.length} already in the inventory, left as they are` : '';
    return { ok: true, text: `${file}: ${result.added} numbers added${skipped}\n` };
  } finally {
    await store.close();
  }
}

export function registerInventoryCommand(program: Command): void {
  const inventory = program.command('inventory').description('the number inventory (stock of numbers to sell)');
  inventory
    .command('import')
    .description('import numbers and ranges from CSV: number,per_minute_cents,per_call_cents,start_fee_cents,max_per_call_cents')
    .argument('<file.csv>', 'the CSV file')
    .option('--dry-run', 'only validate the file', false)
    .action(async (file: string, opts: { dryRun: boolean }) => {
      try {
        const outcome = await importInventoryFile(file, opts);
        (outcome.ok ? process.stdout : process.stderr).write(outcome.text);
        if (!outcome.ok) process.exitCode = 1;
      } catch (err) {
        const message = err instanceof ConfigError ? err.message : (err as Error).message;
        process.stderr.write(`contactsuite inventory import: ${message}\n`);
        process.exitCode = 1;
      }
    });
}
