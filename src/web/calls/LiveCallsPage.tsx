import { Alert, Badge, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { LiveCall } from '../api.js';
import { useSignedIn } from '../auth.js';
import { dateTime } from '../format.js';
import { useI18n, type TextKey } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';

/** How often the list is asked for again, and how often the durations tick. */
const POLL_MS = 2000;
const TICK_MS = 1000;

const STATE_TEXT: Record<LiveCall['state'], TextKey> = {
  'in-plan': 'stateInPlan',
  ringing: 'stateRinging',
  connected: 'stateConnected',
  'on-hold': 'stateOnHold',
};
const STATE_COLOR: Record<LiveCall['state'], string> = { 'in-plan': 'blue', ringing: 'yellow', connected: 'green', 'on-hold': 'gray' };

/** 75 s → '1:15', an hour and more → '1:02:05'. */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
}

/** The calls in progress: number, caller, plan node, state, start and a ticking duration. */
export function LiveCallsPage() {
  const { api } = useSignedIn();
  const { t, lang } = useI18n();
  const [calls, setCalls] = useState<LiveCall[]>();
  const [error, setError] = useState<string>();
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    let stopped = false;
    const load = (): void => {
      api.liveCalls().then(
        (c) => {
          if (stopped) return;
          setCalls(c);
          setError(undefined);
        },
        (e: Error) => !stopped && setError(e.message),
      );
    };
    load();
    const poll = setInterval(load, POLL_MS);
    const tick = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => {
      stopped = true;
      clearInterval(poll);
      clearInterval(tick);
    };
  }, [api]);

  return (
    <Stack>
      <Title order={2}>{t('navLiveCalls')}</Title>
      <Text c="dimmed" size="sm">
        {t('liveCallsHelp')}
      </Text>
      {error && <Alert color="red">{error}</Alert>}
      {calls?.length === 0 && <Text data-testid="no-live-calls">{t('noLiveCalls')}</Text>}
      {calls && calls.length > 0 && (
        <ListTable
          testId="live-calls"
          headers={[t('callNumber'), t('caller'), t('callNode'), t('callState'), t('callStarted'), t('callDuration')]}
          rows={calls}
          rowKey={(c) => c.callId}
          rowAttributes={(c) => ({ 'data-call-id': c.callId, 'data-number': c.called })}
          cells={(c) => [
            c.called,
            c.caller === 'anonymous' ? t('anonymous') : c.caller,
            <span data-testid="call-node">{c.node ?? ''}</span>,
            <Badge color={STATE_COLOR[c.state]} data-testid="call-state">
              {t(STATE_TEXT[c.state])}
            </Badge>,
            dateTime(Date.parse(c.startedAt), lang),
            <span data-testid="call-duration">{durationText((now - Date.parse(c.startedAt)) / 1000)}</span>,
          ]}
        />
      )}
    </Stack>
  );
}
