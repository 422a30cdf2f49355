import { Badge, List, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { Registration } from '../api.js';
import { useSignedIn } from '../auth.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n.js';
import { timeAgo } from './lastSeen.js';

/** An account's registered phones now: contact, where from, user agent, last seen (its latest REGISTER) and until when. */
export function Registrations({ accountId }: { accountId: string }) {
  const { api } = useSignedIn();
  const { t, lang } = useI18n();
  const [list, setList] = useState<Registration[]>();
  useEffect(() => {
    api.registrations(accountId).then(setList, () => setList([]));
  }, [api, accountId]);
  if (!list) return null;
  if (list.length === 0)
    return (
      <Badge color="gray" data-testid="registration-status">
        {t('notRegistered')}
      </Badge>
    );
  return (
    <List size="xs" data-testid="registrations">
      {list.map((r) => (
        <List.Item key={r.contact}>
          <Text size="xs" span fw={600}>
            {r.userAgent ?? '?'}
          </Text>{' '}
          <Text size="xs" span ff="monospace">
            {r.source}
          </Text>{' '}
          {/* registeredAt: when the latest REGISTER was accepted (older servers leave it out). */}
          {typeof r.registeredAt === 'number' && (
            <Text size="xs" span data-testid="registration-last-seen" title={dateTime(r.registeredAt, lang)}>
              {t('lastSeen')} {timeAgo(r.registeredAt, Date.now(), lang)} ({dateTime(r.registeredAt, lang)})
            </Text>
          )}{' '}
          <Text size="xs" span c="dimmed">
            {t('validUntil').toLowerCase()} {dateTime(r.expiresAt, lang)}
          </Text>
        </List.Item>
      ))}
    </List>
  );
}
