import { Alert, Badge, Button, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiFailure } from '../api.js';
import { useSignedIn } from '../auth.js';
import { euros } from '../format.js';
import { useI18n, type TextKey } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';
import { centsOf, invoicesApi, type Customer, type Invoice, type InvoicesApi, type PaymentInput, type RunResult, type Statement } from './invoicesApi.js';

/** The month before this one in Dutch time, 'YYYY-MM': the month a run closes. */
export function previousMonth(now = new Date()): string {
  const [y, m] = now.toLocaleString('sv-SE', { timeZone: 'Europe/Amsterdam' }).slice(0, 7).split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** What went wrong, as the API said it: a 400 names each field and its problem. */
function problem(e: unknown): string {
  if (e instanceof ApiFailure && e.issues.length > 0) return e.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return (e as Error).message;
}

/** Runs an API action: `done` when it worked, else `fail` with the API's problem. */
async function attempt(work: () => Promise<unknown>, done: () => void, fail: (message: string) => void): Promise<void> {
  try {
    await work();
    done();
  } catch (e) {
    fail(problem(e));
  }
}

/** The frame of the payment and credit note forms: a title, the fields, and cancel. */
function InvoiceForm(props: { testId: string; title: string; onCancel(): void; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <Stack gap="xs" data-testid={props.testId}>
      <Title order={4}>{props.title}</Title>
      <Group align="end">
        {props.children}
        <Button variant="subtle" onClick={props.onCancel}>
          {t('paymentCancel')}
        </Button>
      </Group>
    </Stack>
  );
}

async function download(blob: Promise<Blob>, name: string): Promise<void> {
  const url = URL.createObjectURL(await blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const STATUS_COLOR = { open: 'red', partly_paid: 'yellow', paid: 'green' } as const;

/** The platform records a payment received on an invoice. */
function PaymentForm({ invoice, billing, onDone, onError }: { invoice: Invoice; billing: InvoicesApi; onDone(): void; onError(m: string): void }) {
  const { t } = useI18n();
  const open = invoice.payment?.openCents ?? 0;
  const [amount, setAmount] = useState((open / 100).toFixed(2).replace('.', ','));
  const [date, setDate] = useState(new Date().toLocaleString('sv-SE', { timeZone: 'Europe/Amsterdam' }).slice(0, 10));
  const [method, setMethod] = useState<string | null>(invoice.directDebit ? 'sepa_direct_debit' : 'transfer');
  const [reference, setReference] = useState('');
  const cents = centsOf(amount);
  const save = () => attempt(() => billing.pay(invoice.id, { amountCents: cents ?? 0, date, method: method as PaymentInput['method'], reference: reference.trim() }), onDone, onError);
  return (
    <InvoiceForm testId="payment-form" title={`${t('paymentFor')} ${invoice.number}`} onCancel={onDone}>
        <TextInput label={t('paymentAmount')} value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={cents === undefined} data-testid="payment-amount" w={140} />
        <TextInput label={t('paymentDate')} type="date" value={date} onChange={(e) => setDate(e.currentTarget.value)} data-testid="payment-date" w={170} />
        <Select
          label={t('paymentMethod')}
          data={(['sepa_direct_debit', 'transfer', 'set_off'] as const).map((m) => ({ value: m, label: t(`method_${m}`) }))}
          value={method}
          onChange={setMethod}
          allowDeselect={false}
          data-testid="payment-method"
          w={180}
        />
        <TextInput label={t('paymentReference')} value={reference} onChange={(e) => setReference(e.currentTarget.value)} data-testid="payment-reference" w={260} />
        <Button disabled={cents === undefined || cents < 1 || reference.trim() === '' || date === ''} onClick={() => void save()} data-testid="payment-save">
          {t('paymentSave')}
        </Button>
    </InvoiceForm>
  );
}

/** The platform issues a credit note: the whole invoice, or part of one line. */
function CreditForm({ invoice, billing, onDone, onError }: { invoice: Invoice; billing: InvoicesApi; onDone(): void; onError(m: string): void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [line, setLine] = useState<string | null>('all');
  const [amount, setAmount] = useState('');
  const cents = amount.trim() === '' ? undefined : centsOf(amount);
  const index = line === 'all' || line === null ? undefined : Number(line);
  const part = index === undefined ? undefined : { index, amountCents: cents ?? invoice.lines[index].amountCents };
  const save = () => attempt(() => billing.credit(invoice.id, reason.trim(), part), onDone, onError);
  return (
    <InvoiceForm testId="credit-form" title={`${t('creditFor')} ${invoice.number}`} onCancel={onDone}>
        <TextInput label={t('creditReason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-testid="credit-reason" w={300} />
        <Select
          label={t('invoiceKind')}
          data={[{ value: 'all', label: t('kind_invoice') }, ...invoice.lines.map((l, i) => ({ value: String(i), label: l.description }))]}
          value={line}
          onChange={setLine}
          allowDeselect={false}
          data-testid="credit-line"
          w={320}
        />
        {line !== 'all' && <TextInput label={t('creditAmount')} value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={amount.trim() !== '' && cents === undefined} data-testid="credit-amount" w={200} />}
        <Button disabled={reason.trim() === ''} onClick={() => void save()} data-testid="credit-save">
          {t('creditIssue')}
        </Button>
    </InvoiceForm>
  );
}

function RunPanel({ billing, onDone, onError }: { billing: InvoicesApi; onDone(month: string): void; onError(m: string): void }) {
  const { t } = useI18n();
  const [month, setMonth] = useState(previousMonth());
  const [result, setResult] = useState<RunResult<unknown> & { kind: 'invoices' | 'statements' }>();
  const run = (kind: 'invoices' | 'statements') =>
    attempt(async () => setResult({ kind, ...(kind === 'invoices' ? await billing.runInvoices(month) : await billing.runStatements(month)) }), () => onDone(month), onError);
  const fill = (text: string, r: RunResult<unknown>) => text.replace('{created}', String(r.created.length)).replace('{unchanged}', String(r.unchanged.length)).replace('{changed}', String(r.changed.length));
  return (
    <Stack gap="xs">
      <Title order={3}>{t('runTitle')}</Title>
      <Group align="end">
        <TextInput label={t('invoiceMonth')} placeholder="2026-10" value={month} onChange={(e) => setMonth(e.currentTarget.value)} data-testid="run-month" w={110} />
        <Button onClick={() => void run('invoices')} data-testid="run-invoices">
          {t('runInvoices')}
        </Button>
        <Button variant="light" onClick={() => void run('statements')} data-testid="run-statements">
          {t('runStatements')}
        </Button>
      </Group>
      {result && (
        <Alert color={result.refused.length > 0 ? 'yellow' : 'green'} data-testid="run-result">
          <Text size="sm">
            {t(result.kind === 'invoices' ? 'invoicesTitle' : 'statementsTitle')} {result.month}: {fill(t('runResult'), result)}
          </Text>
          {result.refused.map((r) => (
            <Text size="sm" key={r.customerId} data-testid="run-refused">
              {t('runRefused')}: {r.reason}
            </Text>
          ))}
        </Alert>
      )}
    </Stack>
  );
}

/**
 * Facturen (issue 12): a customer's invoices, credit notes and outpayment statements per month
 * with their status and totals, PDF and CSV downloads; a beheerder sees its own, the platform
 * all, and the platform closes a month, records payments and issues credit notes.
 */
export function InvoicesPage() {
  const { api, session } = useSignedIn();
  const { t, lang } = useI18n();
  const billing = useMemo(() => invoicesApi(api), [api]);
  const platform = session.role === 'platform';
  const [month, setMonth] = useState('');
  const [shown, setShown] = useState('');
  const [invoices, setInvoices] = useState<Invoice[]>([]);
  const [statements, setStatements] = useState<Statement[]>([]);
  const [customers, setCustomers] = useState<Map<string, Customer>>(new Map());
  const [form, setForm] = useState<{ kind: 'pay' | 'credit'; invoice: Invoice }>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      const [i, s, c] = await Promise.all([billing.invoices(shown), billing.statements(shown), platform ? billing.customers() : Promise.resolve([])]);
      setInvoices(i);
      setStatements(s);
      setCustomers(new Map(c.map((x) => [x.id, x])));
      setError(undefined);
    } catch (e) {
      setError(problem(e));
    }
  }, [billing, shown, platform]);
  useEffect(() => {
    void load();
  }, [load]);

  const fail = (m: string) => setError(m);
  const get = (kind: 'invoices' | 'outpayment-statements', id: string, format: 'pdf' | 'csv') => download(billing.file(kind, id, format), `${id}.${format}`).catch((e: unknown) => fail(problem(e)));
  const customerName = (id: string, name: string) => customers.get(id)?.name ?? name;
  const formProps = (invoice: Invoice) => ({
    invoice,
    billing,
    onError: fail,
    onDone: () => {
      setForm(undefined);
      void load();
    },
  });

  return (
    <Stack>
      <Title order={2}>{t('navInvoices')}</Title>
      {error && (
        <Alert color="red" withCloseButton onClose={() => setError(undefined)} data-testid="invoices-error">
          {error}
        </Alert>
      )}
      {platform && (
        <RunPanel
          billing={billing}
          onError={fail}
          onDone={(m) => {
            setMonth(m);
            if (shown === m) void load();
            else setShown(m);
          }}
        />
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setShown(month.trim());
        }}
      >
        <Group align="end">
          <TextInput label={t('invoiceMonth')} placeholder={t('invoiceMonthAll')} value={month} onChange={(e) => setMonth(e.currentTarget.value)} data-testid="invoices-month" w={140} />
          <Button type="submit" variant="light" data-testid="invoices-show">
            {t('invoicesShow')}
          </Button>
        </Group>
      </form>

      <Title order={3}>{t('invoicesTitle')}</Title>
      {invoices.length === 0 ? (
        <Text c="dimmed">{t('noInvoices')}</Text>
      ) : (
        <ListTable
          testId="invoices"
          headers={[t('invoiceNumber'), ...(platform ? [t('invoiceCustomer')] : []), t('invoiceKind'), t('invoiceMonth'), t('invoiceIssued'), t('invoiceDue'), t('invoiceTotal'), t('invoiceOpen'), t('invoiceStatus'), t('actions')]}
          rows={invoices}
          rowKey={(i) => i.id}
          rowAttributes={(i) => ({ 'data-invoice': i.number })}
          cells={(i) => [
            i.number,
            ...(platform ? [customerName(i.customerId, i.customerName)] : []),
            t(`kind_${i.kind}` as TextKey),
            i.month,
            i.issuedOn,
            i.kind === 'invoice' ? i.dueOn : '',
            euros(i.totalCents, lang),
            i.payment ? (
              <Stack gap={0}>
                <span data-testid="invoice-open">{euros(i.payment.openCents, lang)}</span>
                {i.payment.refundDueCents > 0 && (
                  <Text size="xs" c="orange" data-testid="invoice-refund">
                    {euros(i.payment.refundDueCents, lang)} {t('refundDue')}
                  </Text>
                )}
              </Stack>
            ) : (
              ''
            ),
            i.payment ? (
              <Group gap={4}>
                <Badge color={STATUS_COLOR[i.payment.status]} data-testid="invoice-status">
                  {t(`invoiceStatus_${i.payment.status}`)}
                </Badge>
                {i.directDebit && i.payment.status !== 'paid' && (
                  <Badge variant="outline" color="gray">
                    {t('invoiceDirectDebit')}
                  </Badge>
                )}
              </Group>
            ) : (
              ''
            ),
            <Group gap={4}>
              <Button size="xs" variant="subtle" onClick={() => void get('invoices', i.id, 'pdf')} data-testid={`pdf-${i.number}`}>
                {t('downloadPdf')}
              </Button>
              <Button size="xs" variant="subtle" onClick={() => void get('invoices', i.id, 'csv')} data-testid={`csv-${i.number}`}>
                {t('downloadCsvShort')}
              </Button>
              {platform && i.kind === 'invoice' && i.payment?.status !== 'paid' && (
                <Button size="xs" variant="light" onClick={() => setForm({ kind: 'pay', invoice: i })} data-testid={`pay-${i.number}`}>
                  {t('recordPayment')}
                </Button>
              )}
              {platform && i.kind === 'invoice' && (
                <Button size="xs" variant="light" color="orange" onClick={() => setForm({ kind: 'credit', invoice: i })} data-testid={`credit-${i.number}`}>
                  {t('creditInvoice')}
                </Button>
              )}
            </Group>,
          ]}
        />
      )}
      {form && (form.kind === 'pay' ? <PaymentForm key={form.invoice.id} {...formProps(form.invoice)} /> : <CreditForm key={form.invoice.id} {...formProps(form.invoice)} />)}

      <Title order={3}>{t('statementsTitle')}</Title>
      {statements.length === 0 ? (
        <Text c="dimmed">{t('noStatements')}</Text>
      ) : (
        <ListTable
          testId="statements"
          headers={[t('invoiceNumber'), ...(platform ? [t('invoiceCustomer')] : []), t('invoiceMonth'), t('statementPaymentOn'), t('invoiceTotal'), t('statementSetOff'), t('statementPayable'), t('actions')]}
          rows={statements}
          rowKey={(s) => s.id}
          rowAttributes={(s) => ({ 'data-statement': s.number })}
          cells={(s) => [
            s.number,
            ...(platform ? [customerName(s.customerId, s.customerName)] : []),
            s.month,
            s.paymentOn,
            euros(s.totalCents, lang),
            euros(s.setOffs.reduce((sum, o) => sum + o.amountCents, 0), lang),
            <span data-testid="statement-payable">{euros(s.payableCents, lang)}</span>,
            <Group gap={4}>
              <Button size="xs" variant="subtle" onClick={() => void get('outpayment-statements', s.id, 'pdf')} data-testid={`pdf-${s.number}`}>
                {t('downloadPdf')}
              </Button>
              <Button size="xs" variant="subtle" onClick={() => void get('outpayment-statements', s.id, 'csv')} data-testid={`csv-${s.number}`}>
                {t('downloadCsvShort')}
              </Button>
            </Group>,
          ]}
        />
      )}
    </Stack>
  );
}
