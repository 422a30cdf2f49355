import { Badge, Button, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { nationalNotation } from '../../numbers/normalize.js';
import { useSignedIn } from '../auth.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';
import type { Contract, Customer, InventoryApi, Order } from './inventoryApi.js';

/** Recording an ACM assignment (platform): the decision's reference and date; the number then goes live. */
function AcmForm({ order, inventory, onChange, onError }: { order: Order; inventory: InventoryApi; onChange(): void; onError(message: string): void }) {
  const { t } = useI18n();
  const [reference, setReference] = useState('');
  const [assignedOn, setAssignedOn] = useState('');
  const record = async (): Promise<void> => {
    try {
      await inventory.recordAcm(order.id, { reference: reference.trim(), assignedOn });
      onChange();
    } catch (e) {
      onError((e as Error).message);
    }
  };
  return (
    <Group gap="xs">
      <TextInput size="xs" placeholder={t('acmReference')} aria-label={t('acmReference')} value={reference} onChange={(e) => setReference(e.currentTarget.value)} data-testid={`acm-reference-${order.id}`} />
      <TextInput size="xs" type="date" aria-label={t('acmAssignedOn')} value={assignedOn} onChange={(e) => setAssignedOn(e.currentTarget.value)} data-testid={`acm-date-${order.id}`} />
      <Button size="xs" disabled={reference.trim() === '' || assignedOn === ''} onClick={() => void record()} data-testid={`acm-record-${order.id}`}>
        {t('acmRecord')}
      </Button>
    </Group>
  );
}

/** Orders, newest first; the platform activates confirmed direct orders and records ACM assignments. */
export function OrdersTable(props: { orders: Order[]; customers: Map<string, Customer>; inventory: InventoryApi; onChange(): void; onError(message: string): void }) {
  const { session } = useSignedIn();
  const { t, lang } = useI18n();
  const platform = session.role === 'platform';
  const activate = async (o: Order): Promise<void> => {
    try {
      await props.inventory.activate(o.id);
      props.onChange();
    } catch (e) {
      props.onError((e as Error).message);
    }
  };
  return (
    <Stack gap="xs">
      <Title order={3}>{t('orders')}</Title>
      {props.orders.length === 0 ? (
        <Text c="dimmed">{t('noOrders')}</Text>
      ) : (
        <ListTable
          testId="orders"
          headers={[t('number'), ...(platform ? [t('customerColumn')] : []), t('status'), t('orderCreated'), t('actions')]}
          rows={props.orders}
          rowKey={(o) => o.id}
          rowAttributes={(o) => ({ 'data-order': o.national })}
          cells={(o) => [
            o.national,
            ...(platform ? [props.customers.get(o.customerId)?.name ?? o.customerId] : []),
            <Badge color={o.status === 'active' ? 'green' : o.status === 'cancelled' ? 'gray' : 'blue'} data-testid="order-status">
              {t(`orderStatus_${o.status}`)}
            </Badge>,
            dateTime(o.createdAt, lang),
            platform && o.status === 'confirmed' && o.kind === 'direct' ? (
              <Button size="xs" onClick={() => void activate(o)} data-testid={`activate-${o.national}`}>
                {t('orderActivate')}
              </Button>
            ) : platform && o.status === 'awaiting_acm' ? (
              <AcmForm order={o} inventory={props.inventory} onChange={props.onChange} onError={props.onError} />
            ) : (
              ''
            ),
          ]}
        />
      )}
    </Stack>
  );
}

/** Contracts with their minimum term and end; notice is checked by the API (409 names the earliest end). */
export function ContractsTable(props: { contracts: Contract[]; inventory: InventoryApi; onChange(): void; onError(message: string): void }) {
  const { t } = useI18n();
  const notice = async (c: Contract): Promise<void> => {
    try {
      await props.inventory.giveNotice(c.id);
      props.onChange();
    } catch (e) {
      props.onError((e as Error).message);
    }
  };
  return (
    <Stack gap="xs">
      <Title order={3}>{t('contracts')}</Title>
      {props.contracts.length === 0 ? (
        <Text c="dimmed">{t('noContracts')}</Text>
      ) : (
        <ListTable
          testId="contracts"
          headers={[t('number'), t('contractStart'), t('contractMinimumEnd'), t('contractEnd'), t('status'), t('actions')]}
          rows={props.contracts}
          rowKey={(c) => c.id}
          rowAttributes={(c) => ({ 'data-contract': c.e164 })}
          cells={(c) => [
            nationalNotation(c.e164),
            c.startOn,
            c.minimumEndOn,
            c.endOn ?? '',
            <Text size="sm" data-testid="contract-status">
              {t(`contractStatus_${c.status}`)}
            </Text>,
            c.status === 'running' ? (
              <Button size="xs" variant="subtle" color="red" onClick={() => void notice(c)} data-testid={`notice-${c.id}`}>
                {t('giveNotice')}
              </Button>
            ) : (
              ''
            ),
          ]}
        />
      )}
    </Stack>
  );
}
