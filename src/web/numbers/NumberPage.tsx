import { Alert, Anchor, Badge, Button, Group, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { ApiFailure, type PlanRecord, type ServiceNumber } from '../api.js';
import { useSignedIn } from '../auth.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n.js';
import type { Contract, InventoryNumber } from '../inventory/inventoryApi.js';
import { ListTable } from '../ui/ListTable.js';
import { numberApi, type NumberApi, type TariffChange } from './numberApi.js';
import { hasCallerTariff } from './tariffForm.js';
import { longDate, TariffSection } from './TariffSection.js';

interface Loaded {
  number: ServiceNumber;
  plans: PlanRecord[];
  changes: TariffChange[];
  contract?: Contract;
  /** undefined: the number has no inventory record (or the principal may not read it). */
  inventory?: InventoryNumber;
}

/** undefined for a 403/404 (not there, or not this principal's to read); other failures are thrown. */
async function ifReadable<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof ApiFailure && (e.status === 403 || e.status === 404)) return undefined;
    throw e;
  }
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w={220}>{label}</Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

/** The linked call plan: pick one of the customer's plans and save, or unlink. */
function PlanLink(props: { number: ServiceNumber; plans: PlanRecord[]; numbers: NumberApi; onChange(): Promise<void> }) {
  const { t } = useI18n();
  const [choice, setChoice] = useState<string>(props.number.planId ?? '');
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string>();
  const save = async (planId: string | null): Promise<void> => {
    setError(undefined);
    try {
      await props.numbers.setPlan(props.number.id, planId);
      setChoice(planId ?? '');
      setSaved(true);
      await props.onChange();
    } catch (e) {
      setError(e instanceof ApiFailure && e.issues.length > 0 ? e.issues.map((i) => i.message).join('; ') : (e as Error).message);
    }
  };
  const linked = props.plans.find((p) => p.id === props.number.planId);
  return (
    <Stack gap="xs">
      <Group align="flex-end">
        <Select
          w={360}
          label={t('numberPlan')}
          description={t('numberPlanHelp')}
          data={[{ value: '', label: t('numberNoPlanChoice') }, ...props.plans.map((p) => ({ value: p.id, label: p.liveVersion === undefined ? `${p.name} (${t('notPublished').toLowerCase()})` : p.name }))]}
          value={choice}
          onChange={(v) => {
            setChoice(v ?? '');
            setSaved(false);
          }}
          allowDeselect={false}
          error={error}
          data-testid="number-plan-select"
        />
        <Button onClick={() => void save(choice === '' ? null : choice)} disabled={choice === (props.number.planId ?? '')} data-testid="number-plan-save">
          {t('numberPlanSave')}
        </Button>
        {props.number.planId && (
          <Button variant="subtle" color="red" onClick={() => void save(null)} data-testid="number-plan-unlink">
            {t('numberPlanUnlink')}
          </Button>
        )}
      </Group>
      {linked && (
        <Anchor component={Link} to={`/plans/${linked.id}`} size="sm" data-testid="number-plan-link">
          {linked.name}
          {linked.liveVersion !== undefined ? ` (${t('version').toLowerCase()} ${linked.liveVersion})` : ` (${t('notPublished').toLowerCase()})`}
        </Anchor>
      )}
      {saved && (
        <Text size="sm" c="green" data-testid="number-plan-saved">
          {t('numberPlanSaved')}
        </Text>
      )}
    </Stack>
  );
}

/**
 * One service number (issue 9 item 2): type, E.164 and national form, status with suspend and
 * resume, the linked call plan, and for 0900/0906/0909/18xy the caller tariff with a change
 * request; then its contract and its inventory record.
 */
export function NumberPage() {
  const { numberId = '' } = useParams();
  const { api, session } = useSignedIn();
  const { t, lang } = useI18n();
  const numbers = useMemo(() => numberApi(api), [api]);
  const [data, setData] = useState<Loaded>();
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string>();
  const customerId = session.customerId as string;

  const load = useCallback(async () => {
    try {
      const number = await ifReadable(numbers.number(numberId));
      if (!number) {
        setMissing(true);
        return;
      }
      const [plans, changes, contracts, inventory] = await Promise.all([
        api.plans(customerId),
        hasCallerTariff(number.type) ? numbers.tariffChanges(number.id) : Promise.resolve([]),
        ifReadable(numbers.contracts()),
        ifReadable(numbers.inventoryNumber(number.e164)),
      ]);
      // The contract of this number now: a newer one after a re-issue wins.
      const contract = (contracts ?? []).filter((c) => c.numberId === number.id).sort((a, b) => b.createdAt - a.createdAt)[0];
      setData({ number, plans, changes, ...(contract ? { contract } : {}), ...(inventory ? { inventory } : {}) });
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, numbers, numberId, customerId]);
  useEffect(() => {
    void load();
  }, [load]);

  const toggle = async (n: ServiceNumber): Promise<void> => {
    setError(undefined);
    try {
      await numbers.setStatus(n.id, n.status === 'active' ? 'suspended' : 'active');
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const back = (
    <Anchor component={Link} to="/numbers">
      ← {t('navNumbers')}
    </Anchor>
  );
  if (missing)
    return (
      <Stack>
        {back}
        <Alert color="yellow">{t('numberNotFound')}</Alert>
      </Stack>
    );
  if (!data) return error ? <Alert color="red">{error}</Alert> : <Text>{t('loading')}</Text>;
  const { number: n, contract, inventory } = data;

  return (
    <Stack data-testid="number-page">
      {back}
      <Title order={2}>{n.national}</Title>
      {error && <Alert color="red">{error}</Alert>}
      <Paper withBorder p="md">
        <Table>
          <Table.Tbody>
            <Row label={t('type')}>{n.type}</Row>
            <Row label={t('numberE164')}>
              <Text ff="monospace" span data-testid="number-e164">
                {n.e164}
              </Text>
            </Row>
            <Row label={t('numberNational')}>
              <Text ff="monospace" span data-testid="number-national">
                {n.national}
              </Text>
            </Row>
            <Row label={t('status')}>
              <Group>
                <Badge color={n.status === 'active' ? 'green' : 'gray'} data-testid="number-status">
                  {n.status === 'active' ? t('statusActive') : t('statusSuspended')}
                </Badge>
                <Button size="xs" variant="light" color={n.status === 'active' ? 'red' : 'green'} onClick={() => void toggle(n)} data-testid="number-toggle">
                  {n.status === 'active' ? t('suspend') : t('resume')}
                </Button>
                {n.status === 'suspended' && (
                  <Text size="sm" c="dimmed">
                    {t('numberSuspendedHelp')}
                  </Text>
                )}
              </Group>
            </Row>
            <Row label={t('numberCreated')}>{dateTime(n.createdAt, lang)}</Row>
          </Table.Tbody>
        </Table>
      </Paper>

      <Paper withBorder p="md">
        <PlanLink number={n} plans={data.plans} numbers={numbers} onChange={load} />
      </Paper>

      {hasCallerTariff(n.type) && <TariffSection number={n} changes={data.changes} numbers={numbers} onChange={load} />}

      <Paper withBorder p="md" data-testid="number-contract">
        <Title order={3}>{t('numberContract')}</Title>
        {contract ? (
          <Table>
            <Table.Tbody>
              <Row label={t('status')}>
                <span data-testid="contract-status">{t(`contractStatus_${contract.status}`)}</span>
              </Row>
              <Row label={t('contractSigned')}>{longDate(contract.signedOn, lang)}</Row>
              <Row label={t('contractStart')}>{longDate(contract.startOn, lang)}</Row>
              <Row label={t('contractMinimumEnd')}>
                <span data-testid="contract-minimum-end">{longDate(contract.minimumEndOn, lang)}</span>
              </Row>
              {contract.endOn && <Row label={t('contractEnd')}>{longDate(contract.endOn, lang)}</Row>}
            </Table.Tbody>
          </Table>
        ) : (
          <Text c="dimmed">{t('noNumberContract')}</Text>
        )}
      </Paper>

      <Paper withBorder p="md" data-testid="number-inventory">
        <Title order={3}>{t('inventoryRecord')}</Title>
        {inventory ? (
          <Stack gap="xs">
            <Table>
              <Table.Tbody>
                <Row label={t('inventoryState')}>
                  <span data-testid="inventory-state">{t(`inventoryState_${inventory.state}`)}</span>
                </Row>
                <Row label={t('inventoryOrigin')}>{t(`inventoryOrigin_${inventory.origin}`)}</Row>
              </Table.Tbody>
            </Table>
            {/* The API gives the history to the platform only (it names who handled the number before this customer). */}
            {inventory.history && inventory.history.length > 0 && (
              <>
                <Title order={4}>{t('inventoryHistory')}</Title>
                <ListTable
                  testId="inventory-history"
                  headers={[t('when'), t('inventoryState'), t('who'), t('note')]}
                  rows={inventory.history}
                  rowKey={(h) => `${h.at}-${h.to}`}
                  cells={(h) => [dateTime(h.at, lang), t(`inventoryState_${h.to}`), h.by, h.reason ?? '']}
                />
              </>
            )}
          </Stack>
        ) : (
          <Text c="dimmed">{t('inventoryNotListed')}</Text>
        )}
      </Paper>
    </Stack>
  );
}
