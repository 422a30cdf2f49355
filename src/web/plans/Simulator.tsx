import { Alert, Badge, Button, Group, List, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { FieldIssue, SimulateInput, Simulation, SimulationStep } from '../api.js';
import { useI18n, type TextKey } from '../i18n.js';

type Availability = 'answers' | 'busy' | 'noAnswer' | 'failing';

/** Now in Amsterdam as 'YYYY-MM-DDTHH:MM' (sv-SE formats the ISO way). */
function amsterdamNow(): string {
  return new Date().toLocaleString('sv-SE', { timeZone: 'Europe/Amsterdam' }).slice(0, 16).replace(' ', 'T');
}

/** '9,1' → ['9', '1']; ',2' → ['', '2'] (time out at the first menu, then press 2). */
export function keysOf(text: string): string[] {
  return text.trim() === '' ? [] : text.split(',').map((k) => k.trim());
}

function stepText(s: SimulationStep, t: (k: TextKey) => string): string {
  switch (s.kind) {
    case 'hear':
      return `${t('simHears')} ${s.prompt}`;
    case 'press':
      return s.key === undefined ? t('simTimeout') : `${t('simPressed')} ${s.key}`;
    case 'ring':
      return `${t('simRings')} ${s.target}: ${s.result}`;
    case 'voicemail':
      return `${t('simVoicemail')} ${s.box}`;
    case 'fax':
      return `${t('simFax')} ${(s.email ?? []).join(', ')}`;
    case 'hangup':
      return `${t('simHangup')} (${s.cause})`;
  }
}

/**
 * Try the draft: a moment, the keys pressed per menu and who answers; the API runs the real plan
 * machine (POST /plans/{id}/simulate) and the result is listed here and drawn in the graph.
 */
export function Simulator(props: {
  targets: string[];
  run(input: Omit<SimulateInput, 'plan'>): Promise<Simulation | FieldIssue[]>;
  result?: Simulation;
}) {
  const { t } = useI18n();
  const [at, setAt] = useState(amsterdamNow);
  const [keys, setKeys] = useState('');
  const [availability, setAvailability] = useState<Record<string, Availability>>({});
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [busy, setBusy] = useState(false);
  const { result } = props;

  const submit = async (): Promise<void> => {
    setBusy(true);
    const who = (a: Availability): string[] => props.targets.filter((x) => availability[x] === a);
    const out = await props.run({ at, dtmf: keysOf(keys), busy: who('busy'), noAnswer: who('noAnswer'), failing: who('failing') });
    setIssues(Array.isArray(out) ? out : []);
    setBusy(false);
  };
  const issueAt = (field: string): string | undefined =>
    issues.filter((i) => i.path === field || i.path.startsWith(`${field}.`)).map((i) => i.message).join('; ') || undefined;

  return (
    <Stack gap="xs" data-testid="simulator">
      <Title order={4}>{t('simulator')}</Title>
      <TextInput type="datetime-local" label={t('simAt')} value={at} onChange={(e) => setAt(e.currentTarget.value)} error={issueAt('at')} data-testid="sim-at" />
      <TextInput label={t('simKeys')} description={t('simKeysHelp')} value={keys} onChange={(e) => setKeys(e.currentTarget.value)} error={issueAt('dtmf')} data-testid="sim-keys" />
      {props.targets.map((target) => (
        <Group key={target} justify="space-between" wrap="nowrap">
          <Text size="sm">{target}</Text>
          <SegmentedControl
            size="xs"
            data-testid={`sim-target-${target}`}
            value={availability[target] ?? 'answers'}
            onChange={(v) => setAvailability({ ...availability, [target]: v as Availability })}
            data={[
              { value: 'answers', label: '✓' },
              { value: 'busy', label: t('simBusy') },
              { value: 'noAnswer', label: t('simNoAnswer') },
              { value: 'failing', label: t('simFailing') },
            ]}
          />
        </Group>
      ))}
      <Button onClick={() => void submit()} loading={busy} data-testid="sim-run">
        {t('simRun')}
      </Button>
      {issues.some((i) => i.path.startsWith('plan')) && <Alert color="red">{t('planErrors')}</Alert>}
      {result && (
        <Stack gap={4} data-testid="sim-result">
          <Text fw={600}>{t('simPath')}</Text>
          <List size="sm" data-testid="sim-path">
            {result.path.map((p, i) => (
              <List.Item key={i}>
                {p.node}
                {p.outcome ? ` → ${p.outcome}` : ''}
              </List.Item>
            ))}
          </List>
          <Text fw={600}>{t('simHeard')}</Text>
          {result.heard.length === 0 && <Text size="sm">{t('simNothingHeard')}</Text>}
          <List size="sm" data-testid="sim-heard">
            {result.heard.map((p, i) => (
              <List.Item key={i}>{p}</List.Item>
            ))}
          </List>
          <List size="xs" c="dimmed">
            {result.steps.map((s, i) => (
              <List.Item key={i}>{stepText(s, t)}</List.Item>
            ))}
          </List>
          <Group gap="xs">
            <Text size="sm">{t('simEnd')}:</Text>
            <Badge data-testid="sim-end">{result.end ?? '?'}</Badge>
            {result.truncated && <Badge color="red">{t('simTruncated')}</Badge>}
          </Group>
        </Stack>
      )}
    </Stack>
  );
}
