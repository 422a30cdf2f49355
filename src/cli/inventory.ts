import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { parseInventoryCsv } from '../inventory/import.js';
import { InventoryService } from '../inventory/InventoryService.js';
import { silentLogger } from '../logger.js';
import { nationalNotation } from '../numbers/normalize.js';
import { openStore } from '../store/openStore.js';

/**
 * `contactsuite inventory import <file.csv>`: adds number blocks to the stock. With REDIS_URL it
 * writes the shared store directly. Without it the stock lives in the running app's in-process
 * store, so the file goes to that app's API (POST /api/v1/inventory/import) with the platform
 * token. Any wrong line rejects the whole file and every error is printed with its line number.
 */

export interface ImportOutcome {
  ok: boolean;
  /** What to print: a summary, or one error per line. */
  text: string;
}

export interface ImportOptions {
  dryRun?: boolean;
  /** The running app's API (without REDIS_URL); default http://127.0.0.1:<HTTP_PORT>. */
  apiUrl?: string;
  /** The platform token (without REDIS_URL); default PLATFORM_TOKEN, else ADMIN_TOKEN from the environment. */
  token?: string;
}

/** Numbers listed by name when some were in the inventory already; the rest are counted. */
const LISTED = 10;

function summary(file: string, added: number, alreadyInStock: readonly string[]): string {
  if (alreadyInStock.length === 0) return `${file}: ${added} numbers added\n`;
  const listed = alreadyInStock.slice(0, LISTED).map(nationalNotation).join(', ');
  const more = alreadyInStock.length > LISTED ? ` and ${alreadyInStock.length - LISTED} more` : '';
  return `${file}: ${added} numbers added; ${alreadyInStock.length} already in the inventory, left as they are\n` + `already in the inventory: ${listed}${more}\n`;
}

export async function importInventoryFile(file: string, opts: ImportOptions, env: NodeJS.ProcessEnv = process.env): Promise<ImportOutcome> {
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
    const token = opts.token ?? env.PLATFORM_TOKEN ?? env.ADMIN_TOKEN;
    if (token === undefined || token === '') {
      throw new Error('REDIS_URL is not set, so the file goes to the running app\'s API, which needs the platform token: give --token, or set PLATFORM_TOKEN (or ADMIN_TOKEN, the app\'s own)');
    }
    return importThroughApi(file, text, opts.apiUrl ?? `http://127.0.0.1:${config.httpPort}`, token);
  }
  const store = await openStore(config.redisUrl, silentLogger());
  try {
    const inventory = new InventoryService({ store, options: config.inventory, logger: silentLogger() });
    const result = await inventory.importNumbers(parsed.numbers, 'cli');
    return { ok: true, text: summary(file, result.added, result.alreadyInStock) };
  } finally {
    await store.close();
  }
}

/** POST /api/v1/inventory/import on the running app; its answer printed the way the Redis path prints. */
async function importThroughApi(file: string, csv: string, apiUrl: string, token: string): Promise<ImportOutcome> {
  const url = `${apiUrl.replace(/\/+$/, '')}/api/v1/inventory/import`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ csv }) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach the app's API at ${url} (${cause?.code ?? cause?.message ?? (err as Error).message}): is \`contactsuite start\` running there? Give --api-url, or set REDIS_URL to write the shared store`);
  }
  const body = (await res.json().catch(() => ({}))) as { added?: number; alreadyInStock?: string[]; message?: string; issues?: { path: string; message: string }[] };
  if (res.status === 200 && typeof body.added === 'number' && Array.isArray(body.alreadyInStock)) {
    return { ok: true, text: summary(file, body.added, body.alreadyInStock) };
  }
  if (res.status === 400 && Array.isArray(body.issues)) {
    // Issues name their line as 'csv.line<N>' with 'line N: …' messages.
    const lines = body.issues.map((i) => {
      const line = /^csv\.line(\d+)$/.exec(i.path)?.[1];
      return line === undefined ? `${file}: ${i.path}: ${i.message}` : `${file}:${line}: ${i.message.replace(/^line \d+: /, '')}`;
    });
    return { ok: false, text: lines.join('\n') + '\n' };
  }
  if (res.status === 401 || res.status === 403) {
    throw new Error(`the API at ${url} refused the token (${res.status}${body.message ? `: ${body.message}` : ''}): give the platform token (--token, PLATFORM_TOKEN or ADMIN_TOKEN)`);
  }
  throw new Error(`the API at ${url} answered ${res.status}${body.message ? `: ${body.message}` : ''}`);
}

export function registerInventoryCommand(program: Command): void {
  const inventory = program.command('inventory').description('the number inventory (stock of numbers to sell)');
  inventory
    .command('import')
    .description(
      'import numbers and ranges from CSV: number,per_minute_cents,per_call_cents,start_fee_cents,max_per_call_cents. With REDIS_URL into the shared store; without it through the running app\'s API',
    )
    .argument('<file.csv>', 'the CSV file')
    .option('--dry-run', 'only validate the file', false)
    .option('--api-url <url>', "without REDIS_URL: the running app's HTTP address (default http://127.0.0.1:$HTTP_PORT)")
    .option('--token <token>', 'without REDIS_URL: the platform token (default $PLATFORM_TOKEN, else $ADMIN_TOKEN)')
    .action(async (file: string, opts: { dryRun: boolean; apiUrl?: string; token?: string }) => {
      try {
        const outcome = await importInventoryFile(file, {
          dryRun: opts.dryRun,
          ...(opts.apiUrl === undefined ? {} : { apiUrl: opts.apiUrl }),
          ...(opts.token === undefined ? {} : { token: opts.token }),
        });
        (outcome.ok ? process.stdout : process.stderr).write(outcome.text);
        if (!outcome.ok) process.exitCode = 1;
      } catch (err) {
        const message = err instanceof ConfigError ? err.message : (err as Error).message;
        process.stderr.write(`contactsuite inventory import: ${message}\n`);
        process.exitCode = 1;
      }
    });
}
