/**
 * Billing at work: the invoice run for a month, credit notes, the outpayment statements and the
 * billing settings. The rules are the pure functions beside this file; this class gathers their
 * inputs (the store's numbers, accounts and contracts, the CDRs' monthly totals — never a rescan
 * of the CDRs) and stores what it issues.
 *
 * A run is idempotent: a customer that already has the month's invoice keeps it, and the run
 * rebuilds it from today's data only to prove it identical (its content hash) or to report that
 * the data changed since (a late CDR, a back-dated contract), which then needs a credit note or
 * a manual invoice, never an edit. Numbers are given in customer-id order after the month's
 * existing ones, so a run over the same data numbers the same way.
 */
import type { MonthTotals } from '../cdr/MonthlyAggregates.js';
import { outpaymentReport } from '../cdr/reports.js';
import { amsterdamDate } from '../inventory/calendar.js';
import type { Logger } from '../logger.js';
import type { NumberType } from '../numbers/NumberTypes.js';
import { parseServiceNumber } from '../numbers/normalize.js';
import type { Customer, Store } from '../store/StoreTypes.js';
import { DEFAULT_SETTINGS, type BillingSettings, type Invoice, type OutpaymentStatement } from './BillingTypes.js';
import { buildCreditNote, CreditRefused, type CreditRequest } from './creditNotes.js';
import { buildInvoice, firstDayAfter, invoiceNumber, type BilledNumber, type InvoiceInput } from './invoices.js';
import { buildStatement, openCents, statementNumber } from './outpaymentStatement.js';
import { DEFAULT_PRICE_LIST, priceListFor, type PriceListVersion } from './PriceList.js';

export interface BillingOptions {
  paymentTermDays: number;
  priceList: readonly PriceListVersion[];
}

export const DEFAULT_BILLING_OPTIONS: BillingOptions = { paymentTermDays: 14, priceList: DEFAULT_PRICE_LIST };

export interface BillingDeps {
  store: Store;
  /** The CDRs' monthly totals (CdrLog.month); unset: no usage and no outpayment. */
  monthTotals?: (month: string) => Promise<MonthTotals>;
  options?: Partial<BillingOptions>;
  logger: Logger;
  now?: () => number;
}

export interface RunResult<T> {
  month: string;
  /** Issued by this run. */
  created: T[];
  /** Issued before and rebuilt identical from today's data. */
  unchanged: T[];
  /** Issued before; today's data gives other content (the stored one stands). */
  changed: T[];
}

export type SettingsInput = Omit<BillingSettings, 'id' | 'customerId' | 'version'>;

const MAX_RUN_ATTEMPTS = 5;

/** A run asked for a month that has not ended yet (Amsterdam): its usage is still growing. */
export class MonthNotEnded extends Error {
  constructor(month: string, today: string) {
    super(`${month} has not ended yet (today is ${today}); a month is invoiced from the first day after it`);
    this.name = 'MonthNotEnded';
  }
}

export class BillingService {
  readonly options: BillingOptions;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: BillingDeps) {
    this.store = deps.store;
    this.options = { ...DEFAULT_BILLING_OPTIONS, ...deps.options };
    this.log = deps.logger.child({ component: 'billing' });
    this.now = deps.now ?? Date.now;
  }

  private get repo() {
    return this.store.billing;
  }

  private async totals(month: string): Promise<MonthTotals | undefined> {
    return this.deps.monthTotals ? this.deps.monthTotals(month) : undefined;
  }

  async settings(customerId: string): Promise<BillingSettings> {
    return (await this.repo.settings.get(customerId)) ?? { id: customerId, customerId, version: 0, ...DEFAULT_SETTINGS };
  }

  async putSettings(customerId: string, input: SettingsInput): Promise<BillingSettings> {
    for (let attempt = 0; attempt < MAX_RUN_ATTEMPTS; attempt++) {
      const cur = await this.repo.settings.get(customerId);
      const next: BillingSettings = { ...input, id: customerId, customerId, version: (cur?.version ?? 0) + 1 };
      if (cur ? await this.repo.settings.replace(next) : (await this.repo.settings.insert([next])).length === 0) return next;
    }
    throw new Error(`billing settings of ${customerId}: changed by someone else ${MAX_RUN_ATTEMPTS} times in a row; try again`);
  }

  /** The numbers a customer held: each contract's period, and numbers without a contract from their creation. */
  private async billedNumbers(customerId: string): Promise<BilledNumber[]> {
    const numbers = await this.store.numbers.list(customerId);
    const contracts = await this.store.inventory.contracts.listByCustomer(customerId);
    const typeOf = (e164: string): NumberType | undefined => {
      const own = numbers.find((n) => n.e164 === e164);
      if (own) return own.type;
      const parsed = parseServiceNumber(e164);
      return 'error' in parsed ? undefined : parsed.type;
    };
    const out: BilledNumber[] = [];
    for (const c of contracts) {
      const type = typeOf(c.e164);
      if (type) out.push({ e164: c.e164, type, startOn: c.startOn, ...(c.endOn !== undefined ? { endOn: c.endOn } : {}) });
      else this.log.warn({ customerId, contract: c.id, e164: c.e164 }, 'contract number is not a Dutch service number; not invoiced');
    }
    const contracted = new Set(contracts.map((c) => c.e164));
    for (const n of numbers) if (!contracted.has(n.e164)) out.push({ e164: n.e164, type: n.type, startOn: amsterdamDate(n.createdAt) });
    return out;
  }

  private async invoiceInput(customer: Customer, month: string, number: string, totals: MonthTotals | undefined): Promise<InvoiceInput> {
    const settings = await this.settings(customer.id);
    const accounts = await this.store.accounts.list(customer.id);
    const outbound = totals?.get(customer.id, 'outbound');
    return {
      month,
      number,
      customer: { id: customer.id, name: customer.name },
      settings,
      prices: priceListFor(this.options.priceList, month),
      paymentTermDays: this.options.paymentTermDays,
      numbers: await this.billedNumbers(customer.id),
      accounts: accounts.map((a) => ({ id: a.id, username: a.username, createdOn: amsterdamDate(a.createdAt) })),
      outbound: { billableSeconds: outbound?.billableSeconds ?? 0, chargesExclMilliCents: outbound?.revenueExclMilliCents ?? 0 },
    };
  }

  /** Invoices (kind 'invoice') of a month, by customer. */
  private async monthInvoices(month: string): Promise<Map<string, Invoice>> {
    const all = (await this.repo.invoices.list()).filter((i) => i.kind === 'invoice' && i.month === month);
    return new Map(all.map((i) => [i.customerId, i]));
  }

  /** The invoice run for `month`: issues what is missing, proves the rest identical. */
  async runInvoices(month: string): Promise<RunResult<Invoice>> {
    this.requireEnded(month);
    const totals = await this.totals(month);
    const customers = (await this.store.customers.list()).sort((a, b) => a.id.localeCompare(b.id));
    for (let attempt = 1; ; attempt++) {
      const existing = await this.monthInvoices(month);
      let seq = Math.max(0, ...[...existing.values()].map((i) => Number(i.number.slice(7))));
      const result: RunResult<Invoice> = { month, created: [], unchanged: [], changed: [] };
      const fresh: Invoice[] = [];
      for (const c of customers) {
        const stored = existing.get(c.id);
        const built = buildInvoice(await this.invoiceInput(c, month, stored?.number ?? invoiceNumber(month, seq + 1), totals), this.now());
        if (stored) {
          (built?.contentHash === stored.contentHash ? result.unchanged : result.changed).push(stored);
        } else if (built) {
          seq++;
          fresh.push(built);
        }
      }
      const clashes = await this.repo.invoices.insert(fresh);
      if (clashes.length === 0) {
        result.created = fresh;
        if (result.changed.length > 0) this.log.warn({ month, invoices: result.changed.map((i) => i.id) }, 'issued invoices differ from a rebuild on current data; correct with a credit note');
        this.log.info({ month, created: fresh.length, unchanged: result.unchanged.length }, 'invoice run');
        return result;
      }
      // Another run numbered the same invoices first: undo ours and number again after theirs.
      for (const inv of fresh) if (!clashes.includes(inv.id)) await this.repo.invoices.delete(inv.id);
      if (attempt >= MAX_RUN_ATTEMPTS) throw new Error(`invoice run ${month}: numbers ${clashes.join(', ')} were taken by a parallel run ${attempt} times; run again`);
    }
  }

  private requireEnded(month: string): void {
    const today = amsterdamDate(this.now());
    if (today < firstDayAfter(month)) throw new MonthNotEnded(month, today);
  }

  async getInvoice(id: string): Promise<Invoice | undefined> {
    return this.repo.invoices.get(id);
  }

  /** Invoices and credit notes, by number; by customer and/or month. */
  async listInvoices(filter: { customerId?: string; month?: string } = {}): Promise<Invoice[]> {
    const all = filter.customerId === undefined ? await this.repo.invoices.list() : await this.repo.invoices.listByCustomer(filter.customerId);
    return all.filter((i) => filter.month === undefined || i.month === filter.month).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Issues a credit note against an invoice (the invoice itself stays as issued). */
  async creditNote(invoiceId: string, request: CreditRequest): Promise<Invoice> {
    for (let attempt = 0; attempt < MAX_RUN_ATTEMPTS; attempt++) {
      const invoice = await this.repo.invoices.get(invoiceId);
      if (!invoice) throw new CreditRefused('invoiceId', `no invoice ${invoiceId}`);
      const earlier = (await this.repo.invoices.listByCustomer(invoice.customerId)).filter((i) => i.creditsInvoiceId === invoiceId);
      const note = buildCreditNote(invoice, earlier, request, amsterdamDate(this.now()), this.now());
      if ((await this.repo.invoices.insert([note])).length === 0) return note;
    }
    throw new Error(`credit note for ${invoiceId}: another credit note was issued at the same moment ${MAX_RUN_ATTEMPTS} times; try again`);
  }

  /** The outpayment statements for `month`: one per customer with 090x/18xy traffic. */
  async runStatements(month: string): Promise<RunResult<OutpaymentStatement>> {
    this.requireEnded(month);
    const totals = await this.totals(month);
    const result: RunResult<OutpaymentStatement> = { month, created: [], unchanged: [], changed: [] };
    if (!totals) return result;
    const report = outpaymentReport(month, totals);
    const customers = new Map((await this.store.customers.list()).map((c) => [c.id, c]));
    const prices = priceListFor(this.options.priceList, month);
    const existing = new Map((await this.repo.statements.list()).filter((s) => s.month === month).map((s) => [s.customerId, s]));
    let seq = Math.max(0, ...[...existing.values()].map((s) => Number(s.number.slice(7))));
    for (const r of [...report.customers].sort((a, b) => a.customerId.localeCompare(b.customerId))) {
      const customer = customers.get(r.customerId);
      if (!customer) continue;
      const stored = existing.get(customer.id);
      // A stored statement's set-offs stand; the rebuild ignores set-offs to compare the figures.
      const open = stored ? [] : await this.openInvoices(customer.id);
      const built = buildStatement({ month, number: stored?.number ?? statementNumber(month, seq + 1), customer: { id: customer.id, name: customer.name }, vatPercent: prices.vatPercent, report: r, open }, this.now());
      if (!built) continue;
      if (stored) {
        const same = built.subtotalCents === stored.subtotalCents && JSON.stringify(built.lines) === JSON.stringify(stored.lines);
        (same ? result.unchanged : result.changed).push(stored);
        continue;
      }
      seq++;
      // One at a time: a statement's set-offs change what the next one finds open.
      if ((await this.repo.statements.insert([built])).length > 0) throw new Error(`outpayment run ${month}: ${built.id} was issued by a parallel run; run again`);
      result.created.push(built);
    }
    this.log.info({ month, created: result.created.length, unchanged: result.unchanged.length }, 'outpayment statement run');
    return result;
  }

  /** The customer's open invoices when its setting sets outpayments off against them. */
  private async openInvoices(customerId: string): Promise<Array<{ invoice: Invoice; openCents: number }>> {
    if (!(await this.settings(customerId)).setOffOutpayment) return [];
    const docs = await this.repo.invoices.listByCustomer(customerId);
    const statements = await this.repo.statements.listByCustomer(customerId);
    const notes = docs.filter((d) => d.kind === 'credit-note');
    return docs
      .filter((d) => d.kind === 'invoice')
      .map((invoice) => ({ invoice, openCents: openCents(invoice, notes, statements) }))
      .filter((o) => o.openCents > 0);
  }

  async getStatement(id: string): Promise<OutpaymentStatement | undefined> {
    return this.repo.statements.get(id);
  }

  async listStatements(filter: { customerId?: string; month?: string } = {}): Promise<OutpaymentStatement[]> {
    const all = filter.customerId === undefined ? await this.repo.statements.list() : await this.repo.statements.listByCustomer(filter.customerId);
    return all.filter((s) => filter.month === undefined || s.month === filter.month).sort((a, b) => a.id.localeCompare(b.id));
  }
}
