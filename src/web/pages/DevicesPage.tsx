import { Alert, Anchor, Button, Group, MultiSelect, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { DEVICE_MODELS } from '../../provisioning/models.js';
import { ApiFailure, type Account, type Device, type ProvisioningAccess } from '../api.js';
import { useSignedIn } from '../auth.js';
import { useI18n } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';

/**
 * The customer's phones: bind a certified model (the provisioning module's own list) with its
 * MAC to accounts, and show how to provision it (the Linphone link, or a desk phone's server).
 */
export function DevicesPage() {
  const { api, session } = useSignedIn();
  const { t } = useI18n();
  const customerId = session.customerId as string;
  const [devices, setDevices] = useState<Device[]>();
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [model, setModel] = useState<string | null>(null);
  const [mac, setMac] = useState('');
  const [lines, setLines] = useState<string[]>([]);
  const [label, setLabel] = useState('');
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [access, setAccess] = useState<Record<string, ProvisioningAccess>>({});
  const [error, setError] = useState<string>();
  const chosen = DEVICE_MODELS.find((m) => m.name === model);

  const load = useCallback(async () => {
    try {
      const [d, a] = await Promise.all([api.devices(customerId), api.accounts(customerId)]);
      setDevices(d);
      setAccounts(a);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, customerId]);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async (): Promise<void> => {
    if (!model) return;
    setIssues({});
    setError(undefined);
    try {
      const d = await api.createDevice(customerId, { model, lines, ...(chosen?.hasMac ? { mac } : {}), ...(label ? { label } : {}) });
      setAccess({ ...access, [d.id]: d.provisioning });
      setMac('');
      setLines([]);
      setLabel('');
      await load();
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 400) setIssues(Object.fromEntries(e.issues.map((i) => [i.path.split('.')[0], i.message])));
      else setError((e as Error).message);
    }
  };
  const showAccess = (d: Device): void => {
    api.provisioning(d.id).then((a) => setAccess({ ...access, [d.id]: a }), (e: Error) => setError(e.message));
  };
  const username = (id: string): string => accounts.find((a) => a.id === id)?.username ?? id;

  return (
    <Stack>
      <Title order={2}>{t('navDevices')}</Title>
      {error && <Alert color="red">{error}</Alert>}
      <Group align="flex-start">
        <Select label={t('model')} data={DEVICE_MODELS.map((m) => m.name)} value={model} onChange={setModel} searchable error={issues.model} data-testid="device-model" w={220} />
        {chosen?.hasMac && <TextInput label={t('mac')} value={mac} onChange={(e) => setMac(e.currentTarget.value)} error={issues.mac} data-testid="device-mac" />}
        <MultiSelect
          label={t('lines')}
          data={accounts.map((a) => ({ value: a.id, label: `${a.username} (${a.displayName})` }))}
          value={lines}
          onChange={setLines}
          error={issues.lines}
          data-testid="device-lines"
          w={240}
        />
        <TextInput label={t('label')} value={label} onChange={(e) => setLabel(e.currentTarget.value)} error={issues.label} />
        <Button mt={25} onClick={() => void create()} disabled={!model} data-testid="device-create">
          {t('createDevice')}
        </Button>
      </Group>
      {devices?.length === 0 && <Text>{t('noDevices')}</Text>}
      {devices && devices.length > 0 && (
        <ListTable
          testId="devices"
          headers={[t('model'), t('mac'), t('lines'), t('label'), t('showLink')]}
          rows={devices}
          rowKey={(d) => d.id}
          rowAttributes={(d) => ({ 'data-device': d.label ?? d.model })}
          cells={(d) => [
            d.model,
            <Text ff="monospace" size="sm">
              {d.mac ?? '-'}
            </Text>,
            d.lines.map(username).join(', '),
            d.label ?? '',
            access[d.id] ? (
              <Anchor href={access[d.id].url} size="xs" ff="monospace" data-testid="provisioning-url" style={{ wordBreak: 'break-all' }}>
                {access[d.id].url}
              </Anchor>
            ) : (
              <Button size="xs" variant="light" onClick={() => showAccess(d)} data-testid="provisioning-show">
                {t('showLink')}
              </Button>
            ),
          ]}
        />
      )}
    </Stack>
  );
}
