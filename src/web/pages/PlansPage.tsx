import { Alert, Badge, Button, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiFailure, type PlanRecord } from '../api.js';
import { useSignedIn } from '../auth.js';
import { useI18n } from '../i18n.js';
import { PLAN_TEMPLATES, planFromTemplate, type PlanTemplate } from '../plans/nodeTemplates.js';
import { ListTable } from '../ui/ListTable.js';

const TEMPLATE_LABELS = { announcement: 'templateAnnouncement', officeHours: 'templateOfficeHours', hangup: 'templateHangup' } as const satisfies Record<PlanTemplate, string>;

/**
 * The customer's call plans, each opening the editor; a new plan from a starting template (a
 * draft, opened in the editor), and deleting one, which the API refuses while a number uses it.
 */
export function PlansPage() {
  const { api, session } = useSignedIn();
  const { t } = useI18n();
  const navigate = useNavigate();
  const customerId = session.customerId as string;
  const [plans, setPlans] = useState<PlanRecord[]>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [name, setName] = useState('');
  const [template, setTemplate] = useState<PlanTemplate>('announcement');
  const [nameError, setNameError] = useState<string>();
  const [confirming, setConfirming] = useState<string>();

  const load = useCallback(() => api.plans(customerId).then(setPlans, (e: Error) => setError(e.message)), [api, customerId]);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async (): Promise<void> => {
    setError(undefined);
    setNameError(undefined);
    try {
      const record = await api.createPlan(customerId, name.trim(), planFromTemplate(template, name.trim()));
      void navigate(`/plans/${record.id}`);
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 400) setNameError(e.issues.map((i) => i.message).join('; '));
      else setError((e as Error).message);
    }
  };

  const remove = async (plan: PlanRecord): Promise<void> => {
    setError(undefined);
    setNotice(undefined);
    setConfirming(undefined);
    try {
      await api.deletePlan(plan.id);
      setNotice(`${t('planDeleted')} ${plan.name}`);
      await load();
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 409) {
        // The API's reason is English; name the numbers that use the plan in Dutch.
        const linked = (await api.numbers(customerId).catch(() => [])).filter((n) => n.planId === plan.id).map((n) => n.national);
        setError(t('planInUse').replace('{numbers}', linked.length > 0 ? linked.join(', ') : e.message));
      } else {
        setError((e as Error).message);
      }
    }
  };

  return (
    <Stack>
      <Title order={2}>{t('navPlans')}</Title>
      {error && (
        <Alert color="red" data-testid="plans-error">
          {error}
        </Alert>
      )}
      {notice && (
        <Alert color="green" data-testid="plans-notice">
          {notice}
        </Alert>
      )}
      {plans?.length === 0 && <Text>{t('noPlans')}</Text>}
      {plans && plans.length > 0 && (
        <ListTable
          headers={[t('planName'), t('liveVersion'), t('actions')]}
          rows={plans}
          rowKey={(p) => p.id}
          rowAttributes={(p) => ({ 'data-plan': p.name })}
          cells={(p) => [
            <Link to={`/plans/${p.id}`}>{p.name}</Link>,
            p.liveVersion !== undefined ? <Badge color="green">{p.liveVersion}</Badge> : t('notPublished'),
            confirming === p.id ? (
              <Group gap="xs">
                <Button size="xs" color="red" onClick={() => void remove(p)} data-testid="confirm-delete-plan">
                  {t('confirmDeletePlan')}
                </Button>
                <Button size="xs" variant="subtle" onClick={() => setConfirming(undefined)}>
                  {t('cancelDelete')}
                </Button>
              </Group>
            ) : (
              <Button size="xs" color="red" variant="subtle" onClick={() => setConfirming(p.id)} data-testid="delete-plan">
                {t('deletePlan')}
              </Button>
            ),
          ]}
        />
      )}
      <Title order={4}>{t('newPlan')}</Title>
      <Group align="flex-start">
        <TextInput label={t('planName')} value={name} onChange={(e) => setName(e.currentTarget.value)} error={nameError} data-testid="new-plan-name" w={260} />
        <Select
          label={t('planTemplate')}
          data={PLAN_TEMPLATES.map((tpl) => ({ value: tpl, label: t(TEMPLATE_LABELS[tpl]) }))}
          value={template}
          onChange={(v) => v && setTemplate(v as PlanTemplate)}
          allowDeselect={false}
          w={420}
          data-testid="new-plan-template"
        />
        <Button mt={25} onClick={() => void create()} disabled={name.trim() === ''} data-testid="create-plan">
          {t('createPlan')}
        </Button>
      </Group>
    </Stack>
  );
}
