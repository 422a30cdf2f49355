import { Alert, Badge, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { VoicemailBox, VoicemailMessage } from '../api.js';
import { AudioPlayer, DownloadButton } from '../audio/AudioPlayer.js';
import { useSignedIn } from '../auth.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';

/** One box's messages: play (marks it heard), download, delete. */
function BoxMessages({ box, onChange }: { box: VoicemailBox; onChange(): void }) {
  const { api } = useSignedIn();
  const { t, lang } = useI18n();
  const [messages, setMessages] = useState<VoicemailMessage[]>();
  const load = useCallback(() => api.voicemailMessages(box.id).then(setMessages, () => setMessages([])), [api, box.id]);
  useEffect(() => {
    void load();
  }, [load]);
  const heard = async (m: VoicemailMessage): Promise<void> => {
    if (m.heard) return;
    await api.setHeard(box.id, m.id, true);
    await load();
    onChange();
  };
  const remove = async (m: VoicemailMessage): Promise<void> => {
    await api.deleteMessage(box.id, m.id);
    await load();
    onChange();
  };

  if (!messages) return null;
  if (messages.length === 0) return <Text c="dimmed">{t('noMessages')}</Text>;
  return (
    <ListTable
      testId={`messages-${box.name}`}
      headers={[t('received'), t('caller'), t('calledNumber'), t('duration'), '', '']}
      rows={messages}
      rowKey={(m) => m.id}
      rowAttributes={(m) => ({ 'data-message': m.caller ?? 'anonymous' })}
      cells={(m) => [
        dateTime(m.receivedAt, lang),
        m.caller ?? t('anonymous'),
        m.calledNumber ?? '',
        `${m.durationSeconds.toFixed(0)} s`,
        <Badge color={m.heard ? 'gray' : 'blue'} data-testid="message-state">
          {m.heard ? t('heardMessage') : t('newMessage')}
        </Badge>,
        <Group gap="xs">
          <AudioPlayer load={() => api.voicemailAudio(box.id, m.id)} testId={`message-${m.id}`} onPlay={() => void heard(m)} />
          <DownloadButton load={() => api.voicemailAudio(box.id, m.id)} fileName={`voicemail-${m.caller ?? 'anoniem'}-${m.id}.wav`} testId={`message-${m.id}`} />
          <Button size="xs" variant="subtle" color="red" onClick={() => void remove(m)} data-testid={`delete-message-${m.id}`}>
            {t('delete')}
          </Button>
        </Group>,
      ]}
    />
  );
}

/** The voicemail inbox: every box the signed-in user may see (a VoIP user: the boxes their account owns). */
export function VoicemailPage() {
  const { api } = useSignedIn();
  const { t } = useI18n();
  const [boxes, setBoxes] = useState<VoicemailBox[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => api.voicemailBoxes().then(setBoxes, (e: Error) => setError(e.message)), [api]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <Stack>
      <Title order={2}>{t('navVoicemail')}</Title>
      {error && <Alert color="red">{error}</Alert>}
      {boxes?.length === 0 && <Text>{t('noBoxes')}</Text>}
      {boxes?.map((box) => (
        <Stack key={box.id} gap="xs" data-testid={`box-${box.name}`}>
          <Group>
            <Title order={4}>{box.name}</Title>
            {box.newMessages > 0 && (
              <Badge color="blue" data-testid="box-new">
                {box.newMessages} {t('newMessage').toLowerCase()}
              </Badge>
            )}
          </Group>
          <BoxMessages box={box} onChange={() => void load()} />
        </Stack>
      ))}
    </Stack>
  );
}
