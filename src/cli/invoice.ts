import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { invoicesCsv, statementsCsv } from '../billing/billingCsv.js';
import { PAYMENT_METHODS, type Invoice, type OutpaymentStatement, type PaymentMethod } from '../billing/BillingTypes.js';
import { BillingService } from '../billing/InvoiceRun.js';
import { invoicePdf, statementPdf } from '../billing/pdf/documentPdf.js';
import { loadPriceList } from '../billing/PriceList.js';
import { loadOperatorDetails } from '../billing/OperatorDetails.js';
import { parsePaymentsCsv } from '../billing/paymentImport.js';
import { openCdrLog } from '../cdr/openCdrLog.js';
import { MONTH_PATTERN } from '../cdr/reports.js';
import { isCalendarDate } from '../inventory/calendar.js';
import { ConfigError, loadConfig } from '../config.js';
import { silentLogger } from '../logger.js';
import { openStore } from '../store/openStore.js';

/**
 * `contactsuite invoice run --month 2026-10` (invoices, then with --statements the outpayment
 * statements), `invoice list --month …` and `invoice show <F…|O…>` (JSON, CSV or PDF). Billing
 * reads and writes the shared store (REDIS_URL) and the CDR totals of the configured CDR log;
 * the in-process store belongs to the running app, so without REDIS_URL use the API
 * (POST /api/v1/invoices/run).
 */

type Format = 'json' | 'csv' | 'pdf';

export interface InvoiceCliOutput {
  /** Text for stdout; a PDF goes to `--out` (or stdout as bytes). */
  stdout: string | Buffer;
}

async function withBilling<T>(env: NodeJS.ProcessEnv, use: (billing: BillingService) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  if (config.redisUrl === undefined) {
    throw new Error('REDIS_URL is not set: the in-process store lives in the running app; use POST /api/v1/invoices/run and GET /api/v1/invoices there');
  }
  const logger = silentLogger();
  const priceList = await loadPriceList(config.billing.priceListFile);
  const operator = await loadOperatorDetails(config.billing.operatorDetailsFile, config.demo);
  const store = await openStore(config.redisUrl, logger);
  const cdr = await openCdrLog({ redisUrl: config.redisUrl, dataDir: config.dataDir, logger, readOnly: true });
  try {
    return await use(new BillingService({ store, monthTotals: (m) => cdr.month(m), options: { priceList, paymentTermDays: config.billing.paymentTermDays, ...(operator ? { operator } : {}) }, logger }));
  } finally {
    await cdr.shutdown();
    await store.close();
  }
}

function checkMonth(month: string): void {
  if (!MONTH_PATTERN.test(month)) throw new Error(`--month ${JSON.stringify(month)}: expected a month as YYYY-MM, e.g. 2026-10`);
}

function summary(kind: string, r: { month: string; created: Array<{ number: string; customerName: string; totalCents: number }>; unchanged: unknown[]; changed: Array<{ number: string }>; refused: Array<{ reason: string }> }): string {
  const lines = [`${kind} ${r.month}: ${r.created.length} issued, ${r.unchanged.length} already issued and identical, ${r.changed.length} issued but different on current data`];
  for (const d of r.created) lines.push(`  ${d.number}  ${d.customerName}  ${(d.totalCents / 100).toFixed(2)}`);
  for (const d of r.changed) lines.push(`  ${d.number}  differs from a rebuild on current data: correct it with a credit note`);
  for (const d of r.refused) lines.push(`  not issued: ${d.reason}`);
  return `${lines.join('\n')}\n`;
}

export async function invoiceRun(opts: { month: string; statements?: boolean; format?: 'text' | 'json' }, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  checkMonth(opts.month);
  return withBilling(env, async (billing) => {
    const invoices = await billing.runInvoices(opts.month);
    const statements = opts.statements ? await billing.runStatements(opts.month) : undefined;
    if (opts.format === 'json') return `${JSON.stringify({ invoices, ...(statements ? { statements } : {}) }, null, 2)}\n`;
    return summary('invoices', invoices) + (statements ? summary('outpayment statements', statements) : '');
  });
}

export async function invoiceList(opts: { month?: string; customer?: string; format: 'json' | 'csv' }, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (opts.month !== undefined) checkMonth(opts.month);
  const filter = { ...(opts.month !== undefined ? { month: opts.month } : {}), ...(opts.customer !== undefined ? { customerId: opts.customer } : {}) };
  return withBilling(env, async (billing) => {
    const list = await billing.listInvoices(filter);
    const states = await billing.paymentStates(list);
    return opts.format === 'csv' ? invoicesCsv(list, states) : `${JSON.stringify(list.map((i) => ({ ...i, payment: states.get(i.id) })), null, 2)}\n`;
  });
}

/** An invoice or credit note ('F…') or an outpayment statement ('O…'). */
export async function invoiceShow(id: string, format: Format, env: NodeJS.ProcessEnv = process.env): Promise<string | Buffer> {
  return withBilling(env, async (billing) => {
    const doc: Invoice | OutpaymentStatement | undefined = id.startsWith('O') ? await billing.getStatement(id) : await billing.getInvoice(id);
    if (!doc) throw new Error(`no invoice or statement ${JSON.stringify(id)} (numbers look like F2026100001, F2026100001-C1, O2026100001)`);
    const isStatement = 'paymentOn' in doc;
    if (format === 'pdf') return isStatement ? statementPdf(doc) : invoicePdf(doc);
    if (format === 'csv') return isStatement ? statementsCsv([doc]) : invoicesCsv([doc]);
    return `${JSON.stringify(doc, null, 2)}\n`;
  });
}

/** `invoice pay F2026100001 --amount 30.25 --date 2026-11-20 --method transfer --reference …`: a payment received. */
export async function invoicePay(id: string, opts: { amount: string; date: string; method: string; reference: string }, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (!/^\d{1,9}([.,]\d{2})?$/.test(opts.amount)) throw new Error(`--amount ${JSON.stringify(opts.amount)}: expected euros such as 30.25`);
  if (!isCalendarDate(opts.date)) throw new Error(`--date ${JSON.stringify(opts.date)}: expected a date as YYYY-MM-DD`);
  if (!(PAYMENT_METHODS as readonly string[]).includes(opts.method)) throw new Error(`--method ${JSON.stringify(opts.method)}: expected one of ${PAYMENT_METHODS.join(', ')}`);
  if (opts.reference.trim() === '' || opts.reference.length > 140) throw new Error('--reference: expected 1-140 characters (the bank statement reference)');
  const amountCents = Math.round(Number(opts.amount.replace(',', '.')) * 100);
  if (amountCents < 1) throw new Error('--amount: expected more than 0.00');
  return withBilling(env, async (billing) => {
    const p = await billing.recordPayment(id, { amountCents, date: opts.date, method: opts.method as PaymentMethod, reference: opts.reference.trim() });
    const [state] = (await billing.paymentStates([(await billing.getInvoice(id))!])).values();
    return `${p.id}: ${(p.amountCents / 100).toFixed(2)} on ${id} (${p.method}, ${p.date}); ${id} is ${state.status.replace('_', ' ')}, ${(state.openCents / 100).toFixed(2)} open\n`;
  });
}

/** `invoice import-payments bank.csv`: the bank's result (collections, transfers); nothing is recorded when a row is unreadable. */
export async function invoiceImportPayments(file: string, env: NodeJS.ProcessEnv = process.env): Promise<{ output: string; refused: number }> {
  const { payments, problems } = parsePaymentsCsv(await readFile(file, 'utf8'));
  if (problems.length > 0) throw new Error(`${file}: nothing recorded:\n  ${problems.map((p) => `line ${p.line}: ${p.message}`).join('\n  ')}`);
  return withBilling(env, async (billing) => {
    const r = await billing.importPayments(payments);
    const lines = [`${file}: ${r.recorded.length} recorded, ${r.skipped.length} recorded before, ${r.refused.length} refused`];
    for (const p of r.refused) lines.push(`  line ${p.line}: ${p.message}`);
    return { output: `${lines.join('\n')}\n`, refused: r.refused.length };
  });
}

async function report(name: string, work: () => Promise<string | Buffer>, out?: string): Promise<void> {
  try {
    const result = await work();
    if (out !== undefined) await writeFile(out, result);
    else process.stdout.write(result);
  } catch (err) {
    const message = err instanceof ConfigError ? err.message : (err as Error).message;
    process.stderr.write(`contactsuite invoice ${name}: ${message}\n`);
    process.exitCode = 1;
  }
}

export function registerInvoiceCommand(program: Command): void {
  const invoice = program.command('invoice').description('monthly invoices, credit notes and outpayment statements (REDIS_URL)');
  invoice
    .command('run')
    .description('issue the month’s invoices (re-running gives the same ones) and, with --statements, the outpayment statements')
    .requiredOption('--month <YYYY-MM>', 'the month to invoice')
    .option('--statements', 'also issue the outpayment statements', false)
    .option('--format <text|json>', 'output', 'text')
    .action((opts: { month: string; statements: boolean; format: 'text' | 'json' }) => report('run', () => invoiceRun(opts)));
  invoice
    .command('list')
    .description('invoices and credit notes, by number')
    .option('--month <YYYY-MM>', 'one month')
    .option('--customer <id>', 'one customer')
    .option('--format <json|csv>', 'output', 'csv')
    .action((opts: { month?: string; customer?: string; format: 'json' | 'csv' }) => report('list', () => invoiceList(opts)));
  invoice
    .command('pay')
    .description('record a payment received on an invoice (a transfer, a SEPA direct debit collected, a set-off)')
    .argument('<number>', 'the invoice, e.g. F2026100001')
    .requiredOption('--amount <euros>', 'e.g. 30.25')
    .requiredOption('--date <YYYY-MM-DD>', 'when the money arrived')
    .requiredOption('--method <method>', PAYMENT_METHODS.join(' | '))
    .requiredOption('--reference <text>', 'the bank statement reference')
    .action((id: string, opts: { amount: string; date: string; method: string; reference: string }) => report('pay', () => invoicePay(id, opts)));
  invoice
    .command('import-payments')
    .description("record the bank's result as payments (CSV: invoice,amount,date,method,reference); a row recorded before is skipped")
    .argument('<file>', 'CSV file')
    .action((file: string) =>
      report('import-payments', async () => {
        const r = await invoiceImportPayments(file);
        // Refused rows make the exit status 1 (the others are recorded).
        if (r.refused > 0) process.exitCode = 1;
        return r.output;
      }),
    );
  invoice
    .command('show')
    .description('one invoice, credit note (F…) or outpayment statement (O…)')
    .argument('<number>', 'e.g. F2026100001, F2026100001-C1, O2026100001')
    .option('--format <json|csv|pdf>', 'output', 'json')
    .option('--out <file>', 'write to a file (a PDF needs one unless stdout is redirected)')
    .action((id: string, opts: { format: Format; out?: string }) => report('show', () => invoiceShow(id, opts.format), opts.out));
}
