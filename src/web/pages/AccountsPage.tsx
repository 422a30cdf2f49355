import { Alert, Button, Code, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { ApiFailure, type Account, type NewAccount } from '../api.js';
import { useSignedIn } from '../auth.js';
import { useI18n } from '../i18n.js';
import { Registrations } from '../accounts/Registrations.js';
import { WebLogins } from '../accounts/WebLogins.js';
import { ListTable } from '../ui/ListTable.js';

/**
 * The customer's SIP accounts with their registration status; create one (its password is shown
 * once). Below them the web sign-ins: who may use this app, a VoIP user bound to an account.
 */
export function AccountsPage() {
  const { api, session } = useSignedIn();
  const { t } = useI18n();
  const customerId = session.customerId as string;
  const [accounts, setAccounts] = useState<Account[]>();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<NewAccount>();
  const [error, setError] = useState<string>();

  const load = useCallback(() => api.accounts(customerId).then(setAccounts, (e: Error) => setError(e.message)), [api, customerId]);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async (): Promise<void> => {
    setIssues({});
    setError(undefined);
    try {
      const a = await api.createAccount(customerId, { username, ...(displayName ? { displayName } : {}) });
      setCreated(a);
      setUsername('');
      setDisplayName('');
      await load();
    } catch (e) {
      if (e instanceof ApiFailure && (e.status === 400 || e.status === 409)) {
        // 409: the username is taken (platform-wide: it is the SIP digest username).
        setIssues(e.status === 409 ? { [e.body.field ?? 'username']: e.message } : Object.fromEntries(e.issues.map((i) => [i.path, i.message])));
      } else setError((e as Error).message);
    }
  };

  return (
    <Stack>
      <Title order={2}>{t('navAccounts')}</Title>
      {error && <Alert color="red">{error}</Alert>}
      <Group align="flex-start">
        <TextInput label={t('username')} value={username} onChange={(e) => setUsername(e.currentTarget.value)} error={issues.username} data-testid="account-new-username" />
        <TextInput label={t('displayName')} value={displayName} onChange={(e) => setDisplayName(e.currentTarget.value)} error={issues.displayName} data-testid="account-new-name" />
        <Button mt={25} onClick={() => void create()} disabled={username === ''} data-testid="account-create">
          {t('createAccount')}
        </Button>
      </Group>
      {created && (
        <Alert color="green" data-testid="account-created">
          {created.username}: {t('newPassword')} <Code data-testid="account-password">{created.password}</Code>
        </Alert>
      )}
      {accounts?.length === 0 && <Text>{t('noAccounts')}</Text>}
      {accounts && accounts.length > 0 && (
        <ListTable
          testId="accounts"
          headers={[t('username'), t('displayName'), t('channelLimit'), t('registrations')]}
          rows={accounts}
          rowKey={(a) => a.id}
          rowAttributes={(a) => ({ 'data-account': a.username })}
          cells={(a) => [a.username, a.displayName, a.channelLimit, <Registrations accountId={a.id} />]}
        />
      )}
      {accounts && <WebLogins accounts={accounts} />}
    </Stack>
  );
}
