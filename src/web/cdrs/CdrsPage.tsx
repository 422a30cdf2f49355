import { Alert, Badge, Button, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { CdrFilters, CdrView } from '../api.js';
import { useSignedIn } from '../auth.js';
import { dateTime, euros } from '../format.js';
import { useI18n, type TextKey } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';
import { durationText } from '../calls/LiveCallsPage.js';

const PAGE_SIZE = 50;
const DISPOSITIONS: CdrView['disposition'][] = ['answered', 'no-answer', 'busy', 'failed', 'abandoned', 'refused-channel-limit', 'refused-credit-limit'];

/** This month in Dutch time, 'YYYY-MM'. */
export function currentMonth(): string {
  return new Date().toLocaleString('sv-SE', { timeZone: 'Europe/Amsterdam' }).slice(0, 7);
}

/** CDR history: filters (month or days, number, outcome), pages of 50, and the CSV of every match. */
export function CdrsPage() {
  const { api } = useSignedIn();
  const { t, lang } = useI18n();
  const [draft, setDraft] = useState<CdrFilters>({ month: currentMonth() });
  const [filters, setFilters] = useState<CdrFilters>({ month: currentMonth() });
  const [page, setPage] = useState(1);
  const [result, setResult] = useState<{ total: number; items: CdrView[] }>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      setResult(await api.cdrs(filters, page, PAGE_SIZE));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, filters, page]);
  useEffect(() => {
    void load();
  }, [load]);

  const download = async (): Promise<void> => {
    try {
      const url = URL.createObjectURL(await api.cdrCsv(filters));
      const a = document.createElement('a');
      a.href = url;
      a.download = `cdrs-${filters.month ?? `${filters.from ?? ''}_${filters.to ?? ''}`}.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const set = (key: keyof CdrFilters) => (value: string | null) => setDraft((d) => ({ ...d, [key]: value ?? '' }));
  const pages = result ? Math.max(1, Math.ceil(result.total / PAGE_SIZE)) : 1;

  return (
    <Stack>
      <Title order={2}>{t('navCdrs')}</Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setPage(1);
          setFilters({ ...draft });
        }}
      >
        <Group align="end">
          <TextInput label={t('month')} placeholder="2026-10" value={draft.month ?? ''} onChange={(e) => set('month')(e.currentTarget.value)} data-testid="filter-month" w={110} />
          <TextInput label={t('fromDay')} placeholder="2026-10-01" value={draft.from ?? ''} onChange={(e) => set('from')(e.currentTarget.value)} data-testid="filter-from" w={130} />
          <TextInput label={t('toDay')} placeholder="2026-10-31" value={draft.to ?? ''} onChange={(e) => set('to')(e.currentTarget.value)} data-testid="filter-to" w={130} />
          <TextInput label={t('numberFilter')} value={draft.number ?? ''} onChange={(e) => set('number')(e.currentTarget.value)} data-testid="filter-number" w={160} />
          <Select
            label={t('disposition')}
            placeholder={t('anyDisposition')}
            clearable
            data={DISPOSITIONS.map((d) => ({ value: d, label: t(`disp_${d}` as TextKey) }))}
            value={draft.disposition ?? null}
            onChange={set('disposition')}
            data-testid="filter-disposition"
            w={200}
          />
          <Button type="submit">{t('applyFilters')}</Button>
          <Button variant="light" onClick={() => void download()} data-testid="download-csv">
            {t('downloadCsv')}
          </Button>
        </Group>
      </form>
      {error && <Alert color="red">{error}</Alert>}
      {result && (
        <Text data-testid="cdr-total">
          {result.total} {t('cdrCount')}
        </Text>
      )}
      {result?.items.length === 0 && <Text>{t('noCdrs')}</Text>}
      {result && result.items.length > 0 && (
        <ListTable
          testId="cdrs"
          headers={[t('callStarted'), t('calledNumber'), t('caller'), t('disposition'), t('callDuration'), t('billableMinutes'), t('charge'), t('answeredBy')]}
          rows={result.items}
          rowKey={(c) => c.id}
          rowAttributes={(c) => ({ 'data-cdr': c.callId })}
          cells={(c) => [
            dateTime(Date.parse(c.startedAt), lang),
            c.called,
            c.caller === 'anonymous' ? t('anonymous') : c.caller,
            <Badge color={c.disposition === 'answered' ? 'green' : 'gray'}>{t(`disp_${c.disposition}` as TextKey)}</Badge>,
            durationText(c.durationSeconds),
            (c.billableSeconds / 60).toLocaleString(lang === 'nl' ? 'nl-NL' : 'en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
            euros(c.chargeInclVatCents, lang),
            c.answeredBy ?? '',
          ]}
        />
      )}
      {pages > 1 && (
        <Group>
          <Button variant="subtle" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            {t('previousPage')}
          </Button>
          <Text>
            {page} / {pages}
          </Text>
          <Button variant="subtle" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            {t('nextPage')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
