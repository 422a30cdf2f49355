import { Alert, Badge, Button, Group, NumberInput, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { describeTariffDutch, describeTariffEnglish } from '../../numbers/tariff.js';
import { ApiFailure, type ServiceNumber } from '../api.js';
import { dateTime, describeTariff } from '../format.js';
import { useI18n, type TextKey } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';
import type { NumberApi, TariffChange } from './numberApi.js';
import { sameTariff, serverTariffErrors, tariffErrors, tariffInput, tariffOf, TARIFF_FIELDS, type TariffErrors, type TariffField, type TariffInput } from './tariffForm.js';

const LABELS: Record<TariffField, TextKey> = {
  perMinuteCents: 'tariffPerMinuteCents',
  perCallCents: 'tariffPerCallCents',
  startFeeCents: 'tariffStartFeeCents',
  maxPerCallCents: 'tariffMaxPerCallCents',
};

/** 'YYYY-MM-DD' as people read a date: "30 november 2026". */
export function longDate(day: string, lang: 'nl' | 'en'): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString(lang === 'nl' ? 'nl-NL' : 'en-GB', { timeZone: 'Europe/Amsterdam', dateStyle: 'long' });
}

/**
 * A 090x/18xy number's caller tariff: what callers hear now, a change request checked against
 * the server's rules as it is typed (errors at the field; the API's 400 too), and the changes
 * asked for with their effective date, pending ones withdrawable.
 */
export function TariffSection(props: { number: ServiceNumber; changes: TariffChange[]; numbers: NumberApi; onChange(): Promise<void> }) {
  const { number, changes, numbers } = props;
  const { t, lang } = useI18n();
  const [input, setInput] = useState<TariffInput>(() => tariffInput(number.tariff));
  const [touched, setTouched] = useState(false);
  const [serverErrors, setServerErrors] = useState<TariffErrors>({});
  const [requested, setRequested] = useState<TariffChange>();
  const [error, setError] = useState<string>();

  const proposed = tariffOf(input);
  const errors: TariffErrors = touched ? { ...serverErrors, ...tariffErrors(number.type, input, lang) } : {};
  const valid = Object.keys(tariffErrors(number.type, input, lang)).length === 0;
  const unchanged = sameTariff(proposed, number.tariff);

  const edit = (field: TariffField, value: number | string): void => {
    setInput({ ...input, [field]: value });
    setTouched(true);
    setServerErrors({});
    setRequested(undefined);
  };
  const submit = async (): Promise<void> => {
    setError(undefined);
    try {
      const change = await numbers.requestTariffChange(number.id, proposed);
      setRequested(change);
      // Sent: the button waits for the next edit, so one click is one request.
      setTouched(false);
      await props.onChange();
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 400) setServerErrors(serverTariffErrors(e.issues, lang));
      else setError((e as Error).message);
    }
  };
  const withdraw = async (c: TariffChange): Promise<void> => {
    setError(undefined);
    try {
      await numbers.withdrawTariffChange(c.id);
      await props.onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const describeFor = lang === 'nl' ? describeTariffDutch : describeTariffEnglish;

  return (
    <Paper withBorder p="md" data-testid="tariff-section">
      <Stack>
        <Title order={3}>{t('callerTariff')}</Title>
        <Text data-testid="tariff-current">{describeTariff(number.tariff, lang, t)}</Text>
        {number.tariffAnnouncement && (
          <Text size="sm">
            {t('callersHear')}: <q data-testid="tariff-announcement">{number.tariffAnnouncement}</q>
          </Text>
        )}
        {error && <Alert color="red">{error}</Alert>}

        <Title order={4}>{t('tariffChangeRequest')}</Title>
        <Text size="sm" c="dimmed">
          {t('tariffChangeHelp')}
        </Text>
        <Group align="flex-start">
          {TARIFF_FIELDS.map((f) => (
            <NumberInput
              key={f}
              w={200}
              label={t(LABELS[f])}
              min={0}
              allowDecimal={false}
              value={input[f]}
              onChange={(v) => edit(f, v)}
              error={errors[f]}
              data-testid={`tariff-${f}`}
            />
          ))}
        </Group>
        {errors[''] && (
          <Text c="red" size="sm" data-testid="tariff-error">
            {errors['']}
          </Text>
        )}
        {touched && valid && (
          <Text size="sm" data-testid="tariff-preview">
            {unchanged ? t('tariffChangeSame') : `${t('tariffChangeWouldSay')}: “${describeFor(proposed)}”`}
          </Text>
        )}
        <Group>
          <Button onClick={() => void submit()} disabled={!touched || !valid || unchanged} data-testid="tariff-submit">
            {t('tariffChangeSubmit')}
          </Button>
        </Group>
        {requested && (
          <Alert color="green" data-testid="tariff-requested">
            {t('tariffChangeRequested')} {longDate(requested.effectiveOn, lang)}.
          </Alert>
        )}

        <Title order={4}>{t('tariffChanges')}</Title>
        {changes.length === 0 ? (
          <Text c="dimmed">{t('noTariffChanges')}</Text>
        ) : (
          <ListTable
            testId="tariff-changes"
            headers={[t('tariff'), t('tariffChangeEffective'), t('status'), t('tariffChangeRequestedAt'), t('actions')]}
            rows={[...changes].reverse()}
            rowKey={(c) => c.id}
            rowAttributes={(c) => ({ 'data-change': c.effectiveOn, 'data-status': c.status })}
            cells={(c) => [
              describeTariff(c.tariff, lang, t),
              longDate(c.effectiveOn, lang),
              <Badge color={c.status === 'pending' ? 'blue' : c.status === 'applied' ? 'green' : 'gray'} data-testid="tariff-change-status">
                {t(`tariffChangeStatus_${c.status}`)}
              </Badge>,
              dateTime(c.requestedAt, lang),
              c.status === 'pending' ? (
                <Button size="xs" variant="light" color="red" onClick={() => void withdraw(c)} data-testid="tariff-change-withdraw">
                  {t('tariffChangeWithdraw')}
                </Button>
              ) : (
                ''
              ),
            ]}
          />
        )}
      </Stack>
    </Paper>
  );
}
