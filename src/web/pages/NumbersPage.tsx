import { Alert, Badge, Button, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { PlanRecord, ServiceNumber } from '../api.js';
import { useSignedIn } from '../auth.js';
import { describeTariff } from '../format.js';
import { useI18n } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';

/** The customer's service numbers: type, tariff, status, live plan; suspend and resume. A number opens its own page (../numbers/NumberPage.tsx). */
export function NumbersPage() {
  const { api, session } = useSignedIn();
  const { t, lang } = useI18n();
  const [numbers, setNumbers] = useState<ServiceNumber[]>();
  const [plans, setPlans] = useState<Map<string, PlanRecord>>(new Map());
  const [error, setError] = useState<string>();
  const customerId = session.customerId as string;

  const load = useCallback(async () => {
    try {
      const [n, p] = await Promise.all([api.numbers(customerId), api.plans(customerId)]);
      setNumbers(n);
      setPlans(new Map(p.map((plan) => [plan.id, plan])));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, customerId]);
  useEffect(() => {
    void load();
  }, [load]);

  const toggle = async (n: ServiceNumber): Promise<void> => {
    try {
      await api.setNumberStatus(n.id, n.status === 'active' ? 'suspended' : 'active');
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <Stack>
      <Title order={2}>{t('navNumbers')}</Title>
      {error && <Alert color="red">{error}</Alert>}
      {numbers?.length === 0 && <Text>{t('noNumbers')}</Text>}
      {numbers && numbers.length > 0 && (
        <ListTable
          testId="numbers"
          headers={[t('number'), t('type'), t('tariff'), t('status'), t('livePlan'), t('actions')]}
          rows={numbers}
          rowKey={(n) => n.id}
          rowAttributes={(n) => ({ 'data-number': n.national })}
          cells={(n) => {
            const plan = n.planId ? plans.get(n.planId) : undefined;
            return [
              <Link to={`/numbers/${n.id}`} data-testid="number-open">
                {n.national}
              </Link>,
              n.type,
              describeTariff(n.tariff, lang, t),
              <Badge color={n.status === 'active' ? 'green' : 'gray'} data-testid="number-status">
                {n.status === 'active' ? t('statusActive') : t('statusSuspended')}
              </Badge>,
              plan ? (
                <Link to={`/plans/${plan.id}`}>
                  {plan.name}
                  {plan.liveVersion !== undefined ? ` (${t('version').toLowerCase()} ${plan.liveVersion})` : ` (${t('notPublished').toLowerCase()})`}
                </Link>
              ) : (
                t('noPlan')
              ),
              <Button size="xs" variant="light" color={n.status === 'active' ? 'red' : 'green'} onClick={() => void toggle(n)}>
                {n.status === 'active' ? t('suspend') : t('resume')}
              </Button>,
            ];
          }}
        />
      )}
    </Stack>
  );
}
