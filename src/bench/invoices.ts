/**
 * `npm run bench:invoices`: an invoice run (and the outpayment statements) for a month of
 * 1 million CDRs. The run reads the CDRs' monthly totals (MonthlyAggregates), never the CDRs,
 * so its cost grows with customers and numbers, not with calls.
 *
 * 1. 1,000,000 synthetic calls of 1,000 customers: 70% to each customer's 0909 number (EUR 0.90 a
 *    minute), 30% outbound from its phones (CDR rate table), rated (rating.ts, rates.ts) and added
 *    to the month's totals as closing CDRs do.
 * 2. The invoice run over the in-process store (MemoryStore) with each customer's 0909 and 085
 *    numbers under contract (the 085 one from mid-month: pro rata), then the outpayment
 *    statements, then a re-run that proves every invoice identical.
 *
 * Flags: --cdrs N (default 1,000,000), --customers N (default 1,000), --no-record.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { BillingService } from '../billing/InvoiceRun.js';
import { DEMO_OPERATOR_DETAILS } from '../billing/OperatorDetails.js';
import type { Cdr } from '../cdr/CdrTypes.js';
import { aggregateDelta, MonthTotals } from '../cdr/MonthlyAggregates.js';
import { rateServiceCall } from '../cdr/Outpayment.js';
import { DEFAULT_RATES, rateOutboundCall } from '../cdr/rates.js';
import type { Contract } from '../inventory/InventoryTypes.js';
import { silentLogger } from '../logger.js';
import { MemoryStore } from '../store/MemoryStore.js';
import { appendBenchmarkSection } from './processes.js';

const MONTH = '2026-10';
const MONTH_START = Date.parse('2026-10-01T00:00:00+02:00');

function parseOptions(argv: string[]): { cdrs: number; customers: number; record: boolean } {
  const o = { cdrs: 1_000_000, customers: 1_000, record: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cdrs') o.cdrs = Number(argv[++i]);
    else if (a === '--customers') o.customers = Number(argv[++i]);
    else if (a === '--no-record') o.record = false;
    else throw new Error(`unknown flag ${a} (flags: --cdrs N, --customers N, --no-record)`);
  }
  if (!Number.isInteger(o.cdrs) || o.cdrs < 1 || !Number.isInteger(o.customers) || o.customers < 1) throw new Error('--cdrs and --customers take a whole number ≥ 1');
  return o;
}

const e164Of = (i: number, range: '909' | '85'): string => (range === '909' ? `+31909${String(1_000_000 + i).slice(-7)}` : `+3185${String(1_000_000 + i).slice(-7)}`);

function contractOf(customerId: string, e164: string, startOn: string): Contract {
  return { id: `${customerId}:${e164}`, version: 1, customerId, orderId: `order:${e164}`, e164, numberId: `number:${e164}`, signedOn: startOn, startOn, minimumMonths: 12, month: startOn.slice(0, 7), status: 'running', createdAt: 0 };
}

/** 1M calls into the month's totals, as closing CDRs leave them. */
function monthOfCalls(cdrs: number, customerIds: string[]): { totals: MonthTotals; ms: number } {
  const totals = new MonthTotals();
  const tariff = { perMinuteCents: 90 };
  const t0 = performance.now();
  for (let i = 0; i < cdrs; i++) {
    const c = i % customerIds.length;
    const startedAt = MONTH_START + Math.floor((i / cdrs) * 30 * 86_400_000);
    const seconds = 30 + ((i * 7919) % 900);
    // By round over the customers, so every customer has both kinds of call.
    const outbound = Math.floor(i / customerIds.length) % 10 < 3;
    const rating = outbound
      ? rateOutboundCall(DEFAULT_RATES.outbound, i % 2 ? '+31612345678' : '+31201234567', false, startedAt, startedAt + seconds * 1000)
      : rateServiceCall('0909', tariff, seconds, DEFAULT_RATES.operatorCosts);
    const cdr = {
      id: String(i), callId: String(i), direction: outbound ? 'outbound' : 'inbound', customerId: customerIds[c],
      called: outbound ? '+31201234567' : e164Of(c, '909'), calledType: outbound ? 'nl-fixed' : '0909', caller: { restricted: false },
      startedAt, answeredAt: startedAt, endedAt: startedAt + seconds * 1000, durationSeconds: seconds, talkSeconds: seconds, disposition: 'answered', ...rating,
    } as Cdr;
    totals.add(aggregateDelta(cdr));
  }
  return { totals, ms: performance.now() - t0 };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const store = new MemoryStore();
  const customerIds: string[] = [];
  for (let c = 0; c < opts.customers; c++) {
    const cust = await store.customers.create({ name: `Klant ${c + 1}`, status: 'active', creditLimitCents: 100_000 });
    customerIds.push(cust.id);
    await store.inventory.contracts.insert([contractOf(cust.id, e164Of(c, '909'), '2025-01-01'), contractOf(cust.id, e164Of(c, '85'), '2026-10-16')]);
  }
  const { totals, ms: rateMs } = monthOfCalls(opts.cdrs, customerIds);
  // The demo details: the synthetic customers have no billing address (which the demo allows).
  const billing = new BillingService({ store, monthTotals: async () => totals, options: { operator: DEMO_OPERATOR_DETAILS }, logger: silentLogger(), now: () => Date.parse('2026-11-02T09:00:00+01:00') });

  const t1 = performance.now();
  const run = await billing.runInvoices(MONTH);
  const runMs = performance.now() - t1;
  const t2 = performance.now();
  const statements = await billing.runStatements(MONTH);
  const statementMs = performance.now() - t2;
  const t3 = performance.now();
  const again = await billing.runInvoices(MONTH);
  const rerunMs = performance.now() - t3;
  if (run.created.length !== opts.customers || again.unchanged.length !== opts.customers || statements.created.length !== opts.customers) {
    throw new Error(`expected ${opts.customers} invoices, statements and identical re-runs; got ${run.created.length}, ${statements.created.length}, ${again.unchanged.length}`);
  }
  const invoiced = run.created.reduce((s, i) => s + i.totalCents, 0);
  const paidOut = statements.created.reduce((s, st) => s + st.totalCents, 0);
  const cpu = cpus();
  const section = [
    '',
    `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — invoices and outpayment statements (\`npm run bench:invoices\`)`,
    '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; in-process store.`,
    `Synthetic month ${MONTH}: ${opts.cdrs.toLocaleString('en')} CDRs of ${opts.customers} customers (70% to their 0909 numbers, 30% outbound).`,
    `Invoiced EUR ${(invoiced / 100).toFixed(2)} incl. VAT; paid out EUR ${(paidOut / 100).toFixed(2)} incl. VAT. Target (issue 12): a run over 1M CDRs in seconds, from the monthly totals.`,
    `Load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (other work on the machine).`,
    '',
    '| What | Size | Result |',
    '|---|---|---|',
    `| CDRs rated and added to the month's totals (what closing does; not part of the run) | ${opts.cdrs.toLocaleString('en')} | ${(rateMs / 1000).toFixed(2)} s |`,
    `| Invoice run (numbers, pro rata, usage from the totals, VAT, store) | ${opts.customers} invoices | ${runMs.toFixed(0)} ms |`,
    `| Outpayment statements (10th working day, store) | ${opts.customers} statements | ${statementMs.toFixed(0)} ms |`,
    `| Re-run proving every invoice identical (rebuild + content hash) | ${opts.customers} invoices | ${rerunMs.toFixed(0)} ms |`,
    '',
  ].join('\n');
  process.stdout.write(`${section}\n`);
  if (opts.record) process.stdout.write(`recorded in ${appendBenchmarkSection(section)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:invoices: ${(err as Error).message}\n`);
  process.exit(1);
});
