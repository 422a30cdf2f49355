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
import { DEFAULT_SETTINGS, type BillingSettings, type DocumentParties, type Invoice, type InvoicePaymentState, type OutpaymentStatement, type Payment, type StoredParties } from './BillingTypes.js';
import { buildCreditNote, CreditRefused, type CreditRequest } from './creditNotes.js';
import { buildInvoice, firstDayAfter, invoiceNumber, sameFigures, type BilledNumber, type InvoiceInput } from './invoices.js';
import { OperatorDetailsMissing, type OperatorDetails } from './OperatorDetails.js';
import { buildStatement, statementNumber } from './outpaymentStatement.js';
import type { ImportedPayment } from './paymentImport.js';
import { checkPayment, nextPaymentSeq, paymentState, PaymentRefused, setOffPaymentId, type PaymentRequest } from './payments.js';
import { DEFAULT_PRICE_LIST, priceListFor, type PriceListVersion } from './PriceList.js';

export interface BillingOptions {
  paymentTermDays: number;
  priceList: readonly PriceListVersion[];
  /** The operator's legal details (OperatorDetails.ts); unset: runs and credit notes refuse. */
  operator?: OperatorDetails;
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
  /** Not issued, and why (e.g. no billing address: a Dutch invoice must name the customer's address). */
  refused: Array<{ customerId: string; customerName: string; reason: string }>;
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

  /** The operator's details, or OperatorDetailsMissing. */
  private operator(): OperatorDetails {
    if (!this.options.operator) throw new OperatorDetailsMissing();
    return this.options.operator;
  }

  /**
   * The parties of a new document for `customer` as of today; a string is the reason it cannot
   * be issued (a customer without a billing address, unless the demo details are in use).
   */
  private async parties(customer: Customer): Promise<DocumentParties | string> {
    const seller = this.operator();
    const settings = await this.settings(customer.id);
    if (!settings.address?.length && !seller.demo) {
      return `${customer.name} has no billing address: a Dutch invoice must name the customer's address (PATCH /api/v1/customers/${customer.id}/billing {"address": [...]})`;
    }
    return { seller, buyer: { name: customer.name, address: settings.address ?? [], ...(settings.vatId !== undefined ? { vatId: settings.vatId } : {}) } };
  }

  /**
   * The parties to rebuild an issued document with: its own, or for one issued before they were
   * recorded today's operator and the customer by name (only its figures are compared then).
   */
  private storedParties(doc: StoredParties & { customerName: string }, customer: Customer): DocumentParties {
    if (doc.seller && doc.buyer) return { seller: doc.seller, buyer: doc.buyer };
    return { seller: this.operator(), buyer: doc.buyer ?? { name: customer.name, address: [] } };
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

  private async invoiceInput(customer: Customer, month: string, number: string, totals: MonthTotals | undefined, parties: DocumentParties): Promise<InvoiceInput> {
    const settings = await this.settings(customer.id);
    const accounts = await this.store.accounts.list(customer.id);
    const outbound = totals?.get(customer.id, 'outbound');
    return {
      month,
      number,
      customer: { id: customer.id, name: customer.name },
      parties,
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
    this.operator();
    const totals = await this.totals(month);
    const customers = (await this.store.customers.list()).sort((a, b) => a.id.localeCompare(b.id));
    for (let attempt = 1; ; attempt++) {
      const existing = await this.monthInvoices(month);
      let seq = Math.max(0, ...[...existing.values()].map((i) => Number(i.number.slice(7))));
      const result: RunResult<Invoice> = { month, created: [], unchanged: [], changed: [], refused: [] };
      const fresh: Invoice[] = [];
      for (const c of customers) {
        const stored = existing.get(c.id);
        // An issued invoice keeps the parties it was issued with; one issued before they were
        // recorded has none, and its rebuild (with today's operator) is compared on the figures only.
        const parties = stored ? this.storedParties(stored, c) : await this.parties(c);
        if (typeof parties === 'string') {
          const input = await this.invoiceInput(c, month, invoiceNumber(month, seq + 1), totals, { seller: this.operator(), buyer: { name: c.name, address: [] } });
          if (buildInvoice(input, this.now())) result.refused.push({ customerId: c.id, customerName: c.name, reason: parties });
          continue;
        }
        const built = buildInvoice(await this.invoiceInput(c, month, stored?.number ?? invoiceNumber(month, seq + 1), totals, parties), this.now());
        if (stored) {
          const same = stored.seller ? built?.contentHash === stored.contentHash : built !== undefined && sameFigures(built, stored);
          (same ? result.unchanged : result.changed).push(stored);
        } else if (built) {
          seq++;
          fresh.push(built);
        }
      }
      const clashes = await this.repo.invoices.insert(fresh);
      if (clashes.length === 0) {
        result.created = fresh;
        if (result.refused.length > 0) this.log.warn({ month, refused: result.refused }, 'invoices not issued');
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
    const seller = this.operator();
    for (let attempt = 0; attempt < MAX_RUN_ATTEMPTS; attempt++) {
      const invoice = await this.repo.invoices.get(invoiceId);
      if (!invoice) throw new CreditRefused('invoiceId', `no invoice ${invoiceId}`);
      const earlier = (await this.repo.invoices.listByCustomer(invoice.customerId)).filter((i) => i.creditsInvoiceId === invoiceId);
      // The credit note is dated today: today's operator details, the customer's current address (else the invoice's).
      const customer = await this.store.customers.get(invoice.customerId);
      const current = customer ? await this.parties(customer) : undefined;
      const parties = typeof current === 'object' ? current : { seller, buyer: invoice.buyer ?? { name: invoice.customerName, address: [] } };
      const note = buildCreditNote(invoice, earlier, request, amsterdamDate(this.now()), this.now(), parties);
      if ((await this.repo.invoices.insert([note])).length === 0) return note;
    }
    throw new Error(`credit note for ${invoiceId}: another credit note was issued at the same moment ${MAX_RUN_ATTEMPTS} times; try again`);
  }

  /** The outpayment statements for `month`: one per customer with 090x/18xy traffic. */
  async runStatements(month: string): Promise<RunResult<OutpaymentStatement>> {
    this.requireEnded(month);
    this.operator();
    const totals = await this.totals(month);
    const result: RunResult<OutpaymentStatement> = { month, created: [], unchanged: [], changed: [], refused: [] };
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
      const parties = stored ? this.storedParties(stored, customer) : await this.parties(customer);
      if (typeof parties === 'string') {
        result.refused.push({ customerId: customer.id, customerName: customer.name, reason: parties });
        continue;
      }
      // A stored statement's set-offs stand; the rebuild ignores set-offs to compare the figures.
      const open = stored ? [] : await this.openInvoices(customer.id);
      const built = buildStatement({ month, number: stored?.number ?? statementNumber(month, seq + 1), customer: { id: customer.id, name: customer.name }, parties, vatPercent: prices.vatPercent, report: r, open }, this.now());
      if (!built) continue;
      if (stored) {
        const same = built.subtotalCents === stored.subtotalCents && JSON.stringify(built.lines) === JSON.stringify(stored.lines);
        (same ? result.unchanged : result.changed).push(stored);
        // A run that stopped between the statement and its set-off payments completes them now.
        await this.recordSetOffs(stored);
        continue;
      }
      seq++;
      // One at a time: a statement's set-offs change what the next one finds open.
      if ((await this.repo.statements.insert([built])).length > 0) throw new Error(`outpayment run ${month}: ${built.id} was issued by a parallel run; run again`);
      await this.recordSetOffs(built);
      result.created.push(built);
    }
    this.log.info({ month, created: result.created.length, unchanged: result.unchanged.length }, 'outpayment statement run');
    return result;
  }

  /** The customer's open invoices when its setting sets outpayments off against them. */
  private async openInvoices(customerId: string): Promise<Array<{ invoice: Invoice; openCents: number }>> {
    if (!(await this.settings(customerId)).setOffOutpayment) return [];
    const { docs, notes, payments, statements } = await this.ledger(customerId);
    return docs
      .filter((d) => d.kind === 'invoice')
      .map((invoice) => ({ invoice, openCents: paymentState(invoice, notes, payments, statements).openCents }))
      .filter((o) => o.openCents > 0);
  }

  /** What a customer's payment states are derived from: its invoices and credit notes, payments and statements. */
  private async ledger(customerId: string): Promise<{ docs: Invoice[]; notes: Invoice[]; payments: Payment[]; statements: OutpaymentStatement[] }> {
    const [docs, payments, statements] = await Promise.all([
      this.repo.invoices.listByCustomer(customerId),
      this.repo.payments.listByCustomer(customerId),
      this.repo.statements.listByCustomer(customerId),
    ]);
    return { docs, notes: docs.filter((d) => d.kind === 'credit-note'), payments, statements };
  }

  /**
   * Each set-off of a statement as a payment on its invoice (id '<invoice>-<statement>': recorded
   * once). Re-checked against what is open apart from this statement's own set-off: a payment
   * recorded after the statement read the open amounts, or another statement, may have paid the
   * invoice meanwhile; then the row is not written (it would pay the invoice twice) and a warning
   * says what is owed back. The statement's set-off still counts as paid (payments.ts).
   */
  private async recordSetOffs(st: OutpaymentStatement): Promise<void> {
    if (st.setOffs.length === 0) return;
    const { docs, notes, payments, statements } = await this.ledger(st.customerId);
    const others = statements.filter((s) => s.id !== st.id);
    for (const so of st.setOffs) {
      const id = setOffPaymentId(so.invoiceId, st.id);
      const invoice = docs.find((d) => d.id === so.invoiceId);
      if (!invoice || payments.some((p) => p.invoiceId === so.invoiceId && (p.id === id || (p.method === 'set_off' && p.reference === st.number)))) continue;
      const open = paymentState(invoice, notes, payments, others).openCents;
      if (so.amountCents > open) {
        this.log.warn({ statement: st.id, invoice: so.invoiceId, setOffCents: so.amountCents, openCents: open }, 'set-off no longer fits the open amount (paid meanwhile): not recorded as a payment; the difference is owed back to the customer');
        continue;
      }
      const payment: Payment = { id, version: 1, customerId: st.customerId, invoiceId: so.invoiceId, amountCents: so.amountCents, date: st.paymentOn, method: 'set_off', reference: st.number, createdAt: this.now() };
      await this.repo.payments.insert([payment]);
      payments.push(payment);
    }
  }

  /** The payment state of invoices (credit notes get none), by id. */
  async paymentStates(invoices: readonly Invoice[]): Promise<Map<string, InvoicePaymentState>> {
    const out = new Map<string, InvoicePaymentState>();
    const byCustomer = new Map<string, Invoice[]>();
    for (const i of invoices) if (i.kind === 'invoice') byCustomer.set(i.customerId, [...(byCustomer.get(i.customerId) ?? []), i]);
    for (const [customerId, own] of byCustomer) {
      const { notes, payments, statements } = await this.ledger(customerId);
      for (const i of own) out.set(i.id, paymentState(i, notes, payments, statements));
    }
    return out;
  }

  /** Payments recorded on an invoice, oldest first. */
  async paymentsOf(invoiceId: string): Promise<Payment[]> {
    const invoice = await this.repo.invoices.get(invoiceId);
    if (!invoice) return [];
    return (await this.repo.payments.listByCustomer(invoice.customerId))
      .filter((p) => p.invoiceId === invoiceId)
      .sort((a, b) => a.date.localeCompare(b.date) || a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /**
   * Records imported payments (the bank's result, paymentImport.ts) one by one: a row already
   * recorded (same invoice, amount, date, method and reference) is skipped, so importing a file
   * twice records it once; a refused row (more than open, unknown invoice) is named by its line.
   * Identical rows in one file are separate payments: the k-th of them is skipped only when at
   * least k identical payments are recorded.
   */
  async importPayments(rows: readonly ImportedPayment[]): Promise<{ recorded: Payment[]; skipped: number[]; refused: Array<{ line: number; message: string }> }> {
    const out = { recorded: [] as Payment[], skipped: [] as number[], refused: [] as Array<{ line: number; message: string }> };
    const seen = new Map<string, number>();
    for (const row of rows) {
      const known = await this.paymentsOf(row.invoiceId);
      const r = row.request;
      const key = JSON.stringify([row.invoiceId, r.amountCents, r.date, r.method, r.reference]);
      const k = (seen.get(key) ?? 0) + 1;
      seen.set(key, k);
      if (known.filter((p) => p.amountCents === r.amountCents && p.date === r.date && p.method === r.method && p.reference === r.reference).length >= k) {
        out.skipped.push(row.line);
        continue;
      }
      try {
        out.recorded.push(await this.recordPayment(row.invoiceId, r));
      } catch (err) {
        if (!(err instanceof PaymentRefused)) throw err;
        out.refused.push({ line: row.line, message: `${row.invoiceId}: ${err.message}` });
      }
    }
    return out;
  }

  /**
   * Records a payment received on an invoice (a transfer, a SEPA collection from the bank's
   * result, or a set-off made by hand). Refuses a credit note, a future date and more than is open.
   */
  async recordPayment(invoiceId: string, request: PaymentRequest): Promise<Payment> {
    for (let attempt = 0; attempt < MAX_RUN_ATTEMPTS; attempt++) {
      const invoice = await this.repo.invoices.get(invoiceId);
      if (!invoice) throw new PaymentRefused('invoiceId', `no invoice ${invoiceId}`);
      const { notes, payments, statements } = await this.ledger(invoice.customerId);
      checkPayment(invoice, paymentState(invoice, notes, payments, statements), request, amsterdamDate(this.now()));
      const payment: Payment = { id: `${invoiceId}-P${nextPaymentSeq(invoiceId, payments)}`, version: 1, customerId: invoice.customerId, invoiceId, ...request, createdAt: this.now() };
      // Two payments at once take the same number: the loser checks the open amount again.
      if ((await this.repo.payments.insert([payment])).length === 0) return payment;
    }
    throw new Error(`payment on ${invoiceId}: another payment was recorded at the same moment ${MAX_RUN_ATTEMPTS} times; try again`);
  }

  async getStatement(id: string): Promise<OutpaymentStatement | undefined> {
    return this.repo.statements.get(id);
  }

  async listStatements(filter: { customerId?: string; month?: string } = {}): Promise<OutpaymentStatement[]> {
    const all = filter.customerId === undefined ? await this.repo.statements.list() : await this.repo.statements.listByCustomer(filter.customerId);
    return all.filter((s) => filter.month === undefined || s.month === filter.month).sort((a, b) => a.id.localeCompare(b.id));
  }
}
