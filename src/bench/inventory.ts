/**
 * `npm run bench:inventory -- [--redis URL] [--numbers N] [--no-record]`: inventory search and
 * the schedule's pass over a stock of 100,000 numbers, through the per-state/type indexes, next to
 * what reading the whole table cost before them. The stock: 85% 085 numbers (of which a third are
 * active, held by customers), 15% 0909 numbers with a caller tariff.
 */
import { cpus, loadavg } from 'node:os';
import { InventoryService } from '../inventory/InventoryService.js';
import type { InventoryNumber } from '../inventory/InventoryTypes.js';
import { searchNumbers, type NumberSearch } from '../inventory/search.js';
import { silentLogger } from '../logger.js';
import { MemoryStore } from '../store/MemoryStore.js';
import { RedisStore } from '../store/RedisStore.js';
import type { Store } from '../store/StoreTypes.js';
import { appendBenchmarkSection, percentile } from './processes.js';

function parseOptions(argv: string[]): { redis?: string; numbers: number; record: boolean } {
  const o: { redis?: string; numbers: number; record: boolean } = { numbers: 100_000, record: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--redis') o.redis = argv[++i];
    else if (a === '--numbers') o.numbers = Number(argv[++i]);
    else if (a === '--no-record') o.record = false;
    else throw new Error(`unknown flag ${a} (flags: --redis URL, --numbers N, --no-record)`);
  }
  if (!Number.isInteger(o.numbers) || o.numbers < 1 || o.numbers > 1_000_000) throw new Error('--numbers takes a whole number from 1 to 1,000,000');
  return o;
}

function stockOf(count: number): InventoryNumber[] {
  const out: InventoryNumber[] = [];
  for (let i = 0; i < count; i++) {
    const tariffNumber = i % 100 < 15;
    const active = !tariffNumber && i % 3 === 0;
    const id = tariffNumber ? `+31909${String(1_000_000 + i).slice(-7)}` : `+3185${String(1_000_000 + i).slice(-7)}`;
    out.push({
      id,
      version: 1,
      type: tariffNumber ? '0909' : '085',
      state: active ? 'active' : 'available',
      origin: 'stock',
      ...(tariffNumber ? { tariff: { perMinuteCents: 80 + (i % 5) * 10 } } : {}),
      ...(active ? { customerId: `c${i % 1000}` } : {}),
      history: [{ to: 'available', at: 0, by: 'bench', reason: 'imported' }],
      createdAt: 0,
    });
  }
  return out;
}

async function timeMs(runs: number, work: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await work();
    ms.push(performance.now() - t0);
  }
  return percentile(ms.sort((a, b) => a - b), 50);
}

const SEARCHES: [string, NumberSearch][] = [
  ['085 ending in 250', { type: '085', endsWith: '250' }],
  ['0909 at 80 ct/min', { type: '0909', perMinuteCents: 80 }],
  ['any type, wildcard 0909-*-12', { wildcard: '0909-*-12' }],
];

async function measure(name: string, store: Store, count: number): Promise<string[]> {
  const inventory = new InventoryService({ store, logger: silentLogger() });
  await store.inventory.numbers.insert(stockOf(count));
  const rows: string[] = [];
  for (const [label, q] of SEARCHES) {
    const indexed = await timeMs(10, () => inventory.search(q, 1, 25));
    const whole = await timeMs(5, async () => searchNumbers(await store.inventory.numbers.list(), q, 1, 25));
    const total = (await inventory.search(q, 1, 25)).total;
    rows.push(`| ${name} | search: ${label} (${total.toLocaleString('en')} hits) | ${indexed.toFixed(1)} ms | ${whole.toFixed(1)} ms |`);
  }
  const tick = await timeMs(10, () => inventory.tick());
  // Before the indexes a pass read at least the whole numbers table.
  const readAll = await timeMs(5, () => store.inventory.numbers.list());
  rows.push(`| ${name} | schedule pass, nothing due | ${tick.toFixed(1)} ms | ≥ ${readAll.toFixed(1)} ms |`);
  return rows;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const rows = await measure('memory', new MemoryStore(), o.numbers);
  if (o.redis) {
    const store = new RedisStore(o.redis, silentLogger(), { keyPrefix: `bench:inventory:${Date.now()}:` });
    if (!(await store.waitUntilReady(5000))) throw new Error(`redis at ${o.redis} not reachable`);
    try {
      rows.push(...(await measure('redis', store, o.numbers)));
    } finally {
      await store.close();
    }
  }
  const section = [
    '',
    `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — inventory search and schedule (\`npx tsx src/bench/inventory.ts${o.redis ? ' --redis URL' : ''}\`)`,
    '',
    `${o.numbers.toLocaleString('en')} numbers in stock; medians; "whole table" is the read before the per-state/type indexes. ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}.`,
    '',
    '| store | work | through the indexes | whole table |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  process.stdout.write(section);
  if (o.record) process.stdout.write(`\nrecorded in ${appendBenchmarkSection(section)}\n`);
}

await main();
