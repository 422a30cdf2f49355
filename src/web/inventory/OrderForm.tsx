import { Alert, Button, Group, NumberInput, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiFailure, type PlanRecord } from '../api.js';
import { useSignedIn } from '../auth.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n.js';
import type { Customer, InventoryApi, Order, PickedNumber } from './inventoryApi.js';

/**
 * Ordering a picked number: for the beheerder's own customer, or (platform) a chosen or new
 * customer; the number is reserved, then confirmed (the confirmation mail goes out) or cancelled.
 * A chosen 090x number asks for its caller tariff (a stock number keeps its registered one).
 */
export function OrderForm({ inventory, picked, onDone }: { inventory: InventoryApi; picked: PickedNumber; onDone(): void }) {
  const { api, session } = useSignedIn();
  const { t, lang } = useI18n();
  const platform = session.role === 'platform';
  const [email, setEmail] = useState('');
  const [planId, setPlanId] = useState<string | null>(null);
  const [plans, setPlans] = useState<PlanRecord[]>([]);
  const [customers, setCustomers] = useState<Customer[]>([]);
  const [customerId, setCustomerId] = useState<string | null>(null);
  const [newCustomer, setNewCustomer] = useState('');
  const [perMinute, setPerMinute] = useState<number | string>('');
  const [order, setOrder] = useState<Order>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    if (platform) void inventory.customers().then(setCustomers, () => setCustomers([]));
    else if (session.customerId) void api.plans(session.customerId).then(setPlans, () => setPlans([]));
  }, [api, inventory, platform, session.customerId]);

  const failed = (e: unknown): void => {
    if (e instanceof ApiFailure && e.issues.length > 0) setFieldErrors(Object.fromEntries(e.issues.map((i) => [i.path, i.message])));
    else setError((e as Error).message);
  };
  const reserve = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setFieldErrors({});
    setError(undefined);
    try {
      setOrder(
        await inventory.order({
          number: picked.number,
          email: email.trim(),
          kind: picked.kind,
          ...(picked.kind === 'chosen' && typeof perMinute === 'number' ? { tariff: { perMinuteCents: perMinute } } : {}),
          ...(planId ? { planId } : {}),
          ...(platform && newCustomer.trim() !== '' ? { customer: { name: newCustomer.trim() } } : platform && customerId ? { customerId } : {}),
        }),
      );
    } catch (err) {
      failed(err);
    }
  };
  const step = async (action: 'confirm' | 'cancel'): Promise<void> => {
    if (!order) return;
    try {
      const next = action === 'confirm' ? await inventory.confirm(order.id) : await inventory.cancel(order.id);
      setOrder(next);
      if (action === 'confirm') setNotice(t('orderConfirmed'));
      onDone();
    } catch (err) {
      failed(err);
    }
  };

  return (
    <Paper withBorder p="md" data-testid="order-form">
      <Stack>
        <Title order={4}>
          {t('orderFor')} {picked.number}
        </Title>
        {!order && (
          <form onSubmit={(e) => void reserve(e)}>
            <Stack>
              {platform && (
                <Group align="end">
                  <Select
                    label={t('orderCustomer')}
                    data={customers.map((c) => ({ value: c.id, label: c.name }))}
                    value={customerId}
                    onChange={setCustomerId}
                    searchable
                    clearable
                    error={fieldErrors.customerId}
                    data-testid="order-customer"
                    w={260}
                  />
                  <TextInput label={t('orderNewCustomer')} value={newCustomer} onChange={(e) => setNewCustomer(e.currentTarget.value)} error={fieldErrors.customer} data-testid="order-new-customer" w={260} />
                </Group>
              )}
              {picked.kind === 'chosen' && (
                <NumberInput label={t('tariffPerMinuteCents')} min={0} allowDecimal={false} value={perMinute} onChange={setPerMinute} error={fieldErrors['tariff.perMinuteCents'] ?? fieldErrors.tariff} data-testid="order-per-minute" />
              )}
              <TextInput type="email" label={t('orderEmail')} value={email} onChange={(e) => setEmail(e.currentTarget.value)} required error={fieldErrors.email} data-testid="order-email" />
              {!platform && (
                <Select label={t('orderPlan')} data={plans.map((p) => ({ value: p.id, label: p.name }))} value={planId} onChange={setPlanId} clearable error={fieldErrors.planId} data-testid="order-plan" />
              )}
              <Group>
                <Button type="submit" data-testid="order-reserve">
                  {t('orderPlace')}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {order && (
          <Stack gap="xs" data-testid="order-placed" data-order={order.id}>
            <Text data-testid="order-status">{t(`orderStatus_${order.status}`)}</Text>
            {order.status === 'reserved' && order.reservedUntil !== undefined && (
              <Text size="sm">
                {t('orderReservedUntil')} {dateTime(order.reservedUntil, lang)}
              </Text>
            )}
            {order.status === 'reserved' && (
              <Group>
                <Button onClick={() => void step('confirm')} data-testid="order-confirm">
                  {t('orderConfirm')}
                </Button>
                <Button variant="subtle" color="red" onClick={() => void step('cancel')} data-testid="order-cancel">
                  {t('orderCancel')}
                </Button>
              </Group>
            )}
          </Stack>
        )}
        {notice && (
          <Alert color="green" data-testid="order-notice">
            {notice}
          </Alert>
        )}
        {error && <Alert color="red">{error}</Alert>}
      </Stack>
    </Paper>
  );
}
