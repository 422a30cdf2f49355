import { Alert, Button, FileInput, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { ApiFailure, type Prompt } from '../api.js';
import { useSignedIn } from '../auth.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n.js';
import { PromptPlayer } from '../prompts/PromptPlayer.js';
import { ListTable } from '../ui/ListTable.js';

/** The customer's own prompts (meldteksten): upload, play in the browser, delete. */
export function PromptsPage() {
  const { api, session } = useSignedIn();
  const { t, lang } = useI18n();
  const customerId = session.customerId as string;
  const [prompts, setPrompts] = useState<Prompt[]>();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => api.prompts(customerId).then(setPrompts, (e: Error) => setError(e.message)), [api, customerId]);
  useEffect(() => {
    void load();
  }, [load]);

  const upload = async (): Promise<void> => {
    if (!file) return;
    setBusy(true);
    setIssues({});
    setError(undefined);
    try {
      await api.uploadPrompt(customerId, name, file);
      setName('');
      setFile(null);
      await load();
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 400) setIssues(Object.fromEntries(e.issues.map((i) => [i.path, i.message])));
      else if (e instanceof ApiFailure && e.status === 409) setIssues({ name: t('promptNameTaken') });
      else if (e instanceof ApiFailure && (e.status === 415 || e.status === 413)) setIssues({ file: e.message });
      else setError((e as Error).message);
    }
    setBusy(false);
  };
  const remove = async (p: Prompt): Promise<void> => {
    try {
      await api.deletePrompt(customerId, p.id);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <Stack>
      <Title order={2}>{t('navPrompts')}</Title>
      {error && <Alert color="red">{error}</Alert>}
      <Group align="flex-start">
        <TextInput label={t('promptName')} description={t('promptNameHelp')} value={name} onChange={(e) => setName(e.currentTarget.value)} error={issues.name} data-testid="prompt-name" />
        <FileInput label={t('promptFile')} description="WAV, MP3, OGG, FLAC" value={file} onChange={setFile} accept="audio/*" error={issues.file ?? issues[''] } data-testid="prompt-file" w={280} clearable />
        <Button mt={44} onClick={() => void upload()} loading={busy} disabled={!file || name === ''} data-testid="prompt-upload">
          {t('upload')}
        </Button>
      </Group>
      {prompts?.length === 0 && <Text>{t('noPrompts')}</Text>}
      {prompts && prompts.length > 0 && (
        <ListTable
          testId="prompts"
          headers={[t('promptName'), t('promptRef'), t('duration'), t('when'), '']}
          rows={prompts}
          rowKey={(p) => p.id}
          rowAttributes={(p) => ({ 'data-prompt': p.name })}
          cells={(p) => [
            p.name,
            <Text ff="monospace" size="sm">
              {p.ref}
            </Text>,
            `${(p.durationMs / 1000).toFixed(1)} s`,
            dateTime(p.createdAt, lang),
            <Group gap="xs">
              <PromptPlayer prompt={p} />
              <Button size="xs" variant="subtle" color="red" onClick={() => void remove(p)}>
                {t('delete')}
              </Button>
            </Group>,
          ]}
        />
      )}
    </Stack>
  );
}
