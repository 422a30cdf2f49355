import { Alert, Button, Group, Stack, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSignedIn } from '../auth.js';
import { useI18n } from '../i18n.js';
import { inventoryApi, type Contract, type Customer, type Order, type PickedNumber } from './inventoryApi.js';
import { NumberSearch } from './NumberSearch.js';
import { OrderForm } from './OrderForm.js';
import { ContractsTable, OrdersTable } from './OrdersAndContracts.js';

/**
 * The number shop (issue 11): search the available stock, order and confirm; the orders and
 * contracts of the beheerder's customer (the platform: of every customer, with activation and
 * ACM assignments).
 */
export function InventoryPage() {
  const { api, session } = useSignedIn();
  const { t } = useI18n();
  const inventory = useMemo(() => inventoryApi(api), [api]);
  const [picked, setPicked] = useState<PickedNumber>();
  const [chosen, setChosen] = useState('');
  const [orders, setOrders] = useState<Order[]>([]);
  const [contracts, setContracts] = useState<Contract[]>([]);
  const [customers, setCustomers] = useState<Map<string, Customer>>(new Map());
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      // The platform's order list names each order's customer: fetch them together so no row shows an id first.
      const [o, c, all] = await Promise.all([inventory.orders(), inventory.contracts(), session.role === 'platform' ? inventory.customers() : Promise.resolve([])]);
      setCustomers(new Map(all.map((x) => [x.id, x])));
      setOrders(o);
      setContracts(c);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [inventory, session.role]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <Stack>
      <Title order={2}>{t('navInventory')}</Title>
      {error && (
        <Alert color="red" withCloseButton onClose={() => setError(undefined)} data-testid="inventory-error">
          {error}
        </Alert>
      )}
      <NumberSearch inventory={inventory} onPick={(n) => setPicked({ number: n.national, kind: 'direct' })} />
      <Group align="end">
        <TextInput label={t('orderChosen')} placeholder="0800 123 4567" value={chosen} onChange={(e) => setChosen(e.currentTarget.value)} data-testid="chosen-number" w={360} />
        <Button variant="light" disabled={chosen.trim() === ''} onClick={() => setPicked({ number: chosen.trim(), kind: 'chosen' })} data-testid="order-chosen">
          {t('orderNumber')}
        </Button>
      </Group>
      {picked && <OrderForm key={`${picked.kind}:${picked.number}`} inventory={inventory} picked={picked} onDone={() => void load()} />}
      <OrdersTable orders={orders} customers={customers} inventory={inventory} onChange={() => void load()} onError={setError} />
      <ContractsTable contracts={contracts} inventory={inventory} onChange={() => void load()} onError={setError} />
    </Stack>
  );
}
