import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { LanguageSwitch } from '../App.js';
import { useAuth } from '../auth.js';
import { useI18n } from '../i18n.js';

/** Sign-in with an API token (beheerder or gebruiker); the API tells which role it has. */
export function LoginPage() {
  const { signIn } = useAuth();
  const { t } = useI18n();
  const [token, setToken] = useState('');
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    const ok = await signIn(token);
    setBusy(false);
    setFailed(!ok);
  };

  return (
    <Center h="100vh">
      <Paper withBorder shadow="sm" p="xl" w={420}>
        <form onSubmit={(e) => void submit(e)}>
          <Stack>
            <Group justify="space-between">
              <Title order={2}>{t('appName')}</Title>
              <LanguageSwitch />
            </Group>
            <PasswordInput label={t('tokenLabel')} description={t('tokenHelp')} value={token} onChange={(e) => setToken(e.currentTarget.value)} required autoFocus />
            {failed && (
              <Alert color="red" role="alert">
                {t('signInFailed')}
              </Alert>
            )}
            <Button type="submit" loading={busy} disabled={token.trim() === ''}>
              {t('signIn')}
            </Button>
            <Text size="xs" c="dimmed">
              {t('roleBeheerder')} · {t('roleGebruiker')}
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
