import { Alert, Badge, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { PlanRecord } from '../api.js';
import { useSignedIn } from '../auth.js';
import { useI18n } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';

/** The customer's call plans, each opening the editor. */
export function PlansPage() {
  const { api, session } = useSignedIn();
  const { t } = useI18n();
  const [plans, setPlans] = useState<PlanRecord[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.plans(session.customerId as string).then(setPlans, (e: Error) => setError(e.message));
  }, [api, session.customerId]);

  return (
    <Stack>
      <Title order={2}>{t('navPlans')}</Title>
      {error && <Alert color="red">{error}</Alert>}
      {plans?.length === 0 && <Text>{t('noPlans')}</Text>}
      {plans && plans.length > 0 && (
        <ListTable
          headers={[t('planName'), t('liveVersion')]}
          rows={plans}
          rowKey={(p) => p.id}
          cells={(p) => [
            <Link to={`/plans/${p.id}`}>{p.name}</Link>,
            p.liveVersion !== undefined ? <Badge color="green">{p.liveVersion}</Badge> : t('notPublished'),
          ]}
        />
      )}
    </Stack>
  );
}
