import { Alert, Button, Code, Group, Paper, PasswordInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiFailure, type Account } from '../api.js';
import { useSignedIn } from '../auth.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';
import { webLoginApi, type WebLogin, type WebLoginWithPassword } from './webLoginApi.js';
import { passwordProblem, usernameProblem, withMin } from './webLoginForm.js';

/** Field errors of a refused request: 400 issues by path, 409 (username taken, over all customers) at its field. */
function fieldErrors(e: unknown, taken: string): Record<string, string> | undefined {
  if (!(e instanceof ApiFailure)) return undefined;
  if (e.status === 409) return { [e.body.field ?? 'username']: taken };
  if (e.status === 400) return Object.fromEntries(e.issues.map((i) => [i.path, i.message]));
  return undefined;
}

/**
 * Mantine's PasswordInput leaves aria-invalid and aria-describedby off its input (other inputs
 * have them): set them, so a screen reader (and a test) finds the error as at any other field.
 */
function errorAria(id: string, error: string | undefined): { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string } {
  return error ? { id, 'aria-invalid': true, 'aria-describedby': `${id}-error` } : { id };
}

/** Setting a new password for one sign-in: typed (checked as it is typed) or generated and shown once. */
function ResetPassword(props: { login: WebLogin; onDone(result: WebLoginWithPassword): void; onCancel(): void; set(password?: string): Promise<WebLoginWithPassword> }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const problem = passwordProblem(password, t);
  const submit = async (): Promise<void> => {
    try {
      props.onDone(await props.set(password === '' ? undefined : password));
    } catch (e) {
      setError(fieldErrors(e, '')?.password ?? (e as Error).message);
    }
  };
  return (
    <Paper withBorder p="sm" data-testid="web-login-reset">
      <Group align="flex-start">
        <PasswordInput
          w={320}
          label={`${t('webLoginResetFor')} ${props.login.username}`}
          description={withMin(t('webLoginPasswordHelp'))}
          value={password}
          onChange={(e) => {
            setPassword(e.currentTarget.value);
            setError(undefined);
          }}
          error={problem ?? error}
          {...errorAria('web-login-reset-password', problem ?? error)}
          data-testid="web-login-reset-password"
        />
        <Button mt={45} disabled={problem !== undefined} onClick={() => void submit()} data-testid="web-login-reset-submit">
          {t('webLoginResetSubmit')}
        </Button>
        <Button mt={45} variant="subtle" onClick={props.onCancel}>
          {t('cancel')}
        </Button>
      </Group>
    </Paper>
  );
}

/**
 * The customer's web sign-ins (username and password for this app): list, create one for a VoIP
 * user bound to an account (a beheerder one is the platform's to make: the API refuses a
 * beheerder), set a new password, delete. Generated passwords are shown once.
 */
export function WebLogins({ accounts }: { accounts: Account[] }) {
  const { api, session } = useSignedIn();
  const { t, lang } = useI18n();
  const customerId = session.customerId as string;
  const logins = useMemo(() => webLoginApi(api, customerId), [api, customerId]);
  // What the API lets this principal make (src/api/webLogins.ts mayManage): the platform both, a beheerder VoIP users.
  const mayMakeBeheerder = session.role === 'platform';
  const [list, setList] = useState<WebLogin[]>();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<WebLogin['role']>('gebruiker');
  const [accountId, setAccountId] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [shown, setShown] = useState<{ username: string; password?: string; reset: boolean }>();
  const [resetting, setResetting] = useState<WebLogin>();
  const [deleting, setDeleting] = useState<string>();
  const [error, setError] = useState<string>();

  const load = useCallback(() => logins.list().then(setList, (e: Error) => setError(e.message)), [logins]);
  useEffect(() => {
    void load();
  }, [load]);

  const accountName = (id: string | undefined): string => {
    const a = accounts.find((x) => x.id === id);
    return a ? `${a.username}${a.displayName ? ` (${a.displayName})` : ''}` : '';
  };
  const passwordError = passwordProblem(password, t);
  const usernameError = usernameProblem(username, t);
  const ready = username.trim() !== '' && !usernameError && !passwordError && (role === 'beheerder' || accountId !== null);

  const create = async (): Promise<void> => {
    setIssues({});
    setError(undefined);
    try {
      const made = await logins.create({ username, role, ...(role === 'gebruiker' && accountId ? { accountId } : {}), ...(password ? { password } : {}) });
      setShown({ username: made.username, ...(made.password ? { password: made.password } : {}), reset: false });
      setUsername('');
      setPassword('');
      setAccountId(null);
      await load();
    } catch (e) {
      const fields = fieldErrors(e, t('webLoginUsernameTaken'));
      if (fields) setIssues(fields);
      else setError((e as Error).message);
    }
  };
  const remove = async (l: WebLogin): Promise<void> => {
    setError(undefined);
    try {
      await logins.remove(l.id);
      setDeleting(undefined);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  // The API lets a beheerder manage only VoIP user sign-ins.
  const manageable = (l: WebLogin): boolean => mayMakeBeheerder || l.role === 'gebruiker';

  return (
    <Stack data-testid="web-logins">
      <Title order={3}>{t('webLogins')}</Title>
      <Text size="sm" c="dimmed">
        {t('webLoginsHelp')}
      </Text>
      {error && <Alert color="red">{error}</Alert>}
      <Group align="flex-start">
        <TextInput
          w={240}
          label={t('username')}
          value={username}
          onChange={(e) => {
            setUsername(e.currentTarget.value);
            setIssues({});
          }}
          error={usernameError ?? issues.username}
          data-testid="web-login-username"
        />
        <Select
          w={180}
          label={t('webLoginRole')}
          data={[
            { value: 'gebruiker', label: t('roleGebruiker') },
            { value: 'beheerder', label: t('roleBeheerder'), disabled: !mayMakeBeheerder },
          ]}
          value={role}
          onChange={(v) => setRole(v === 'beheerder' ? 'beheerder' : 'gebruiker')}
          allowDeselect={false}
          description={mayMakeBeheerder ? undefined : t('webLoginBeheerderByPlatform')}
          error={issues.role}
          data-testid="web-login-role"
        />
        {role === 'gebruiker' && (
          <Select
            w={220}
            label={t('webLoginAccount')}
            placeholder={t('webLoginChooseAccount')}
            data={accounts.map((a) => ({ value: a.id, label: accountName(a.id) }))}
            value={accountId}
            onChange={setAccountId}
            error={issues.accountId}
            data-testid="web-login-account"
          />
        )}
        <PasswordInput
          w={300}
          label={t('webLoginPassword')}
          description={withMin(t('webLoginPasswordHelp'))}
          value={password}
          onChange={(e) => {
            setPassword(e.currentTarget.value);
            setIssues({});
          }}
          error={passwordError ?? issues.password}
          {...errorAria('web-login-password', passwordError ?? issues.password)}
          data-testid="web-login-password"
        />
        <Button mt={45} disabled={!ready} onClick={() => void create()} data-testid="web-login-create">
          {t('webLoginCreate')}
        </Button>
      </Group>
      {shown && (
        <Alert color="green" data-testid="web-login-shown">
          {shown.reset ? t('webLoginResetDone') : t('webLoginCreated')}: {shown.username}
          {shown.password && (
            <>
              {' '}
              — {t('webLoginGenerated')} <Code data-testid="web-login-generated">{shown.password}</Code>
            </>
          )}
        </Alert>
      )}
      {list?.length === 0 && <Text c="dimmed">{t('noWebLogins')}</Text>}
      {list && list.length > 0 && (
        <ListTable
          testId="web-login-list"
          headers={[t('username'), t('webLoginRole'), t('webLoginAccount'), t('webLoginCreatedAt'), t('actions')]}
          rows={list}
          rowKey={(l) => l.id}
          rowAttributes={(l) => ({ 'data-login': l.username })}
          cells={(l) => [
            l.username,
            l.role === 'beheerder' ? t('roleBeheerder') : t('roleGebruiker'),
            accountName(l.accountId),
            dateTime(l.createdAt, lang),
            manageable(l) ? (
              <Group gap="xs">
                <Button size="xs" variant="light" onClick={() => setResetting(l)} data-testid="web-login-reset-open">
                  {t('webLoginReset')}
                </Button>
                {deleting === l.id ? (
                  <Button size="xs" color="red" onClick={() => void remove(l)} data-testid="web-login-delete-confirm">
                    {t('webLoginDeleteConfirm')}
                  </Button>
                ) : (
                  <Button size="xs" variant="subtle" color="red" onClick={() => setDeleting(l.id)} data-testid="web-login-delete">
                    {t('delete')}
                  </Button>
                )}
              </Group>
            ) : (
              ''
            ),
          ]}
        />
      )}
      {resetting && (
        <ResetPassword
          key={resetting.id}
          login={resetting}
          set={(pw) => logins.setPassword(resetting.id, pw)}
          onCancel={() => setResetting(undefined)}
          onDone={(r) => {
            setResetting(undefined);
            setShown({ username: r.username, ...(r.password ? { password: r.password } : {}), reset: true });
          }}
        />
      )}
    </Stack>
  );
}
