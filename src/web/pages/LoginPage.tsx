import { Alert, Button, Center, Divider, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { LanguageSwitch } from '../App.js';
import { useAuth, type PasswordSignIn } from '../auth.js';
import { useI18n } from '../i18n.js';

/** Username and password (a sign-in made by the platform or the beheerder). */
function PasswordForm() {
  const { signInWithPassword } = useAuth();
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [outcome, setOutcome] = useState<PasswordSignIn>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    const result = await signInWithPassword(username, password);
    setBusy(false);
    setOutcome(result);
    if (result !== 'ok') setPassword('');
  };

  return (
    <form onSubmit={(e) => void submit(e)} data-testid="password-sign-in">
      <Stack>
        <TextInput label={t('usernameLabel')} autoComplete="username" value={username} onChange={(e) => setUsername(e.currentTarget.value)} required autoFocus data-testid="sign-in-username" />
        <PasswordInput label={t('passwordLabel')} autoComplete="current-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} required data-testid="sign-in-password" />
        {outcome === 'wrong' && (
          <Alert color="red" role="alert" data-testid="sign-in-refused">
            {t('passwordSignInFailed')}
          </Alert>
        )}
        {outcome === 'throttled' && (
          <Alert color="orange" role="alert" data-testid="sign-in-refused">
            {t('passwordSignInThrottled')}
          </Alert>
        )}
        <Button type="submit" loading={busy} disabled={username.trim() === '' || password === ''} data-testid="sign-in-submit">
          {t('passwordSignIn')}
        </Button>
      </Stack>
    </form>
  );
}

/** An API token (beheerder or gebruiker), the alternative for scripts and for admins without a sign-in. */
function TokenForm() {
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
    <form onSubmit={(e) => void submit(e)}>
      <Stack>
        <PasswordInput label={t('tokenLabel')} description={t('tokenHelp')} value={token} onChange={(e) => setToken(e.currentTarget.value)} required />
        {failed && (
          <Alert color="red" role="alert">
            {t('signInFailed')}
          </Alert>
        )}
        <Button type="submit" variant="light" loading={busy} disabled={token.trim() === ''}>
          {t('signIn')}
        </Button>
      </Stack>
    </form>
  );
}

/** Sign-in: username and password first, an API token as the alternative; the API tells which role it has. */
export function LoginPage() {
  const { t } = useI18n();
  return (
    <Center h="100vh">
      <Paper withBorder shadow="sm" p="xl" w={420}>
        <Stack>
          <Group justify="space-between">
            <Title order={2}>{t('appName')}</Title>
            <LanguageSwitch />
          </Group>
          <PasswordForm />
          <Divider label={t('orWithToken')} labelPosition="center" />
          <TokenForm />
          <Text size="xs" c="dimmed">
            {t('roleBeheerder')} · {t('roleGebruiker')}
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}
