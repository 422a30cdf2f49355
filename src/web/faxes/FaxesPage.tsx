import { Alert, Badge, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { DownloadButton } from '../audio/AudioPlayer.js';
import { useSignedIn } from '../auth.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';
import { byNumber, faxApi, type ReceivedFax } from './faxApi.js';

/** The fax inbox per fax number: who sent what, how many pages, whether it arrived; download the PDF, delete. */
export function FaxesPage() {
  const { api } = useSignedIn();
  const { t, lang } = useI18n();
  const faxes = useMemo(() => faxApi(api), [api]);
  const [list, setList] = useState<ReceivedFax[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => faxes.list().then(setList, (e: Error) => setError(e.message)), [faxes]);
  useEffect(() => {
    void load();
  }, [load]);
  const remove = async (f: ReceivedFax): Promise<void> => {
    try {
      await faxes.delete(f.id);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <Stack>
      <Title order={2}>{t('navFaxes')}</Title>
      {error && <Alert color="red">{error}</Alert>}
      {list?.length === 0 && <Text>{t('noFaxes')}</Text>}
      {list &&
        byNumber(list).map(([number, received]) => (
          <Stack key={number} gap="xs" data-testid={`fax-number-${number}`}>
            <Title order={4}>{number || t('faxUnknownNumber')}</Title>
            <ListTable
              headers={[t('received'), t('caller'), t('faxSender'), t('faxPages'), t('duration'), t('faxOutcome'), '']}
              rows={received}
              rowKey={(f) => f.id}
              rowAttributes={(f) => ({ 'data-fax': f.id })}
              cells={(f) => [
                dateTime(f.receivedAt, lang),
                f.caller ?? t('anonymous'),
                f.remoteIdent,
                String(f.pages),
                `${f.seconds.toFixed(0)} s`,
                <Badge color={f.success ? 'green' : 'red'} data-testid="fax-outcome" title={f.reason}>
                  {f.success ? t('faxReceivedOk') : `${t('faxFailed')}: ${f.reason}`}
                </Badge>,
                <Group gap="xs">
                  {f.document && <DownloadButton load={() => faxes.document(f.id)} fileName={`fax-${f.id}.${f.document === 'pdf' ? 'pdf' : 'tif'}`} testId={`fax-${f.id}`} />}
                  <Button size="xs" variant="subtle" color="red" onClick={() => void remove(f)} data-testid={`delete-fax-${f.id}`}>
                    {t('delete')}
                  </Button>
                </Group>,
              ]}
            />
          </Stack>
        ))}
    </Stack>
  );
}
