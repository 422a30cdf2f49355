import { Alert, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { Account } from '../api.js';
import { useSignedIn } from '../auth.js';
import { useI18n } from '../i18n.js';
import { Registrations } from '../accounts/Registrations.js';

/** A VoIP user's own SIP account (the only record a gebruiker token may read). */
export function AccountPage() {
  const { api, session } = useSignedIn();
  const { t } = useI18n();
  const [account, setAccount] = useState<Account>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (session.accountId) api.account(session.accountId).then(setAccount, (e: Error) => setError(e.message));
  }, [api, session.accountId]);

  return (
    <Stack>
      <Title order={2}>{t('navAccount')}</Title>
      {error && <Alert color="red">{error}</Alert>}
      {account && (
        <Table w={480}>
          <Table.Tbody>
            <Table.Tr>
              <Table.Th>{t('username')}</Table.Th>
              <Table.Td data-testid="account-username">{account.username}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('displayName')}</Table.Th>
              <Table.Td>{account.displayName}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('registrations')}</Table.Th>
              <Table.Td>
                <Registrations accountId={account.id} />
              </Table.Td>
            </Table.Tr>
            {account.sip && (
              <Table.Tr>
                <Table.Th>{t('sipDomain')}</Table.Th>
                <Table.Td>
                  {account.sip.domain}:{account.sip.port}
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      )}
      <Text c="dimmed">{t('userScreensLater')}</Text>
    </Stack>
  );
}
