import { Alert, Card, Group, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { milliToCents } from '../../cdr/reports.js';
import type { Revenue } from '../api.js';
import { useSignedIn } from '../auth.js';
import { currentMonth } from '../cdrs/CdrsPage.js';
import { euros } from '../format.js';
import { useI18n } from '../i18n.js';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
type Figures = Revenue['total'];

/** One point of a chart: calls and minutes as counts, money in euros (numbers, for the axes). */
function point(label: string, f: Figures) {
  return {
    label,
    calls: f.calls,
    minutes: Number(f.minutes),
    revenueIncl: f.revenueInclVatCents / 100,
    revenueExcl: milliToCents(f.revenueExclVatMilliCents) / 100,
    outpayment: milliToCents(f.outpaymentMilliCents) / 100,
  };
}

function Charts({ testId, data }: { testId: string; data: ReturnType<typeof point>[] }) {
  const { t } = useI18n();
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} data-testid={testId}>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Bar dataKey="calls" name={t('revenueCalls')} fill="#228be6" isAnimationActive={false} />
          <Bar dataKey="minutes" name={t('revenueMinutes')} fill="#82c91e" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis />
          <Tooltip />
          <Legend />
          <Line dataKey="revenueIncl" name={t('revenueInclVat')} stroke="#228be6" isAnimationActive={false} />
          <Line dataKey="revenueExcl" name={t('revenueExclVat')} stroke="#7950f2" isAnimationActive={false} />
          <Line dataKey="outpayment" name={t('outpayment')} stroke="#fa5252" isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </SimpleGrid>
  );
}

/** 090x numbers: the month's totals, and calls, minutes, revenue and outpayment per day and per month. */
export function RevenuePage() {
  const { api } = useSignedIn();
  const { t, lang } = useI18n();
  const [month, setMonth] = useState(currentMonth());
  const [revenue, setRevenue] = useState<Revenue>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!MONTH.test(month)) return;
    let stale = false;
    api.revenue(month).then(
      (r) => {
        if (stale) return;
        setRevenue(r);
        setError(undefined);
      },
      (e: Error) => !stale && setError(e.message),
    );
    return () => {
      stale = true;
    };
  }, [api, month]);

  const total = revenue?.total;
  const cards: Array<[string, string, string]> = total
    ? [
        ['total-calls', t('revenueCalls'), String(total.calls)],
        ['total-minutes', t('revenueMinutes'), Number(total.minutes).toLocaleString(lang === 'nl' ? 'nl-NL' : 'en-GB', { minimumFractionDigits: 2 })],
        ['total-revenue-incl', t('revenueInclVat'), euros(total.revenueInclVatCents, lang)],
        ['total-revenue-excl', t('revenueExclVat'), euros(milliToCents(total.revenueExclVatMilliCents), lang)],
        ['total-outpayment', t('outpayment'), euros(milliToCents(total.outpaymentMilliCents), lang)],
      ]
    : [];

  return (
    <Stack>
      <Title order={2}>{t('navRevenue')}</Title>
      <Group>
        <TextInput label={t('month')} value={month} onChange={(e) => setMonth(e.currentTarget.value)} data-testid="revenue-month" w={120} />
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {revenue && (
        <>
          <Title order={4}>{t('monthTotal')}</Title>
          <SimpleGrid cols={{ base: 2, md: 5 }}>
            {cards.map(([id, label, value]) => (
              <Card key={id} withBorder>
                <Text size="sm" c="dimmed">
                  {label}
                </Text>
                <Text size="xl" fw={700} data-testid={id}>
                  {value}
                </Text>
              </Card>
            ))}
          </SimpleGrid>
          <Title order={4}>{t('perDay')}</Title>
          <Charts testId="chart-days" data={revenue.days.map((d) => point(d.day.slice(8), d))} />
          <Title order={4}>{t('perMonth')}</Title>
          <Charts testId="chart-months" data={revenue.months.map((m) => point(m.month, m))} />
        </>
      )}
    </Stack>
  );
}
