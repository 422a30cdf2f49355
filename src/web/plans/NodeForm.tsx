import { Alert, Button, Group, Select, Stack, Switch, Text, Textarea, TextInput, Title } from '@mantine/core';
import type { Prompt } from '../api.js';
import { PromptPlayer } from '../prompts/PromptPlayer.js';
import { isPromptListField } from './planModel.js';
import { useState } from 'react';
import { useI18n } from '../i18n.js';

/**
 * How a field of a node is edited, from the value it has: text, a number, a yes/no switch, a
 * comma-separated list of words (prompts), or JSON for nested values (menu options, opening
 * hours, forward targets). Validation is not done here: the editor runs the plan schema over the
 * whole draft and passes each field's messages in.
 */
type FieldKind = 'text' | 'number' | 'boolean' | 'list' | 'json';

export function fieldKind(value: unknown): FieldKind {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return 'list';
  if (value !== null && typeof value === 'object') return 'json';
  return 'text';
}

function toText(kind: FieldKind, value: unknown): string {
  if (kind === 'list') return (value as string[]).join(', ');
  if (kind === 'json') return JSON.stringify(value, null, 2);
  return value === undefined || value === null ? '' : String(value);
}

/** A number typed as digits becomes a number; anything else stays text, so the schema names the problem. */
function fromText(kind: FieldKind, text: string): { value: unknown } | { error: 'json' } {
  if (kind === 'number') return { value: /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text };
  if (kind === 'list') return { value: text.split(',').map((s) => s.trim()).filter((s) => s !== '') };
  if (kind === 'json') {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      return { error: 'json' };
    }
  }
  return { value: text };
}

function FieldEditor(props: { name: string; value: unknown; errors?: string[]; onChange(value: unknown): void; prompts?: Prompt[] }) {
  const { t } = useI18n();
  // The kind is fixed when the field is first shown: a number field stays one while its text is not yet a number.
  const [kind] = useState(() => fieldKind(props.value));
  const [text, setText] = useState(() => toText(kind, props.value));
  const [jsonError, setJsonError] = useState(false);
  const error = [...(jsonError ? [t('jsonInvalid')] : []), ...(props.errors ?? [])].join('; ') || undefined;
  const testId = `field-${props.name}`;

  if (kind === 'boolean') {
    return <Switch label={props.name} checked={props.value === true} onChange={(e) => props.onChange(e.currentTarget.checked)} data-testid={testId} error={error} />;
  }
  const change = (next: string): void => {
    setText(next);
    const r = fromText(kind, next);
    setJsonError('error' in r);
    if ('value' in r) props.onChange(r.value);
  };
  if (kind === 'json') {
    return <Textarea label={props.name} value={text} autosize minRows={2} maxRows={14} ff="monospace" onChange={(e) => change(e.currentTarget.value)} error={error} data-testid={testId} />;
  }
  const input = (
    <TextInput
      label={props.name}
      description={kind === 'list' ? t('listHint') : undefined}
      value={text}
      inputMode={kind === 'number' ? 'numeric' : undefined}
      onChange={(e) => change(e.currentTarget.value)}
      error={error}
      data-testid={testId}
    />
  );
  if (!props.prompts || kind !== 'list') return input;
  // The customer's uploads: pick one to append it, play the ones the field already names.
  const listed = Array.isArray(props.value) ? (props.value as unknown[]) : [];
  const named = props.prompts.filter((p) => listed.includes(p.ref));
  return (
    <Stack gap={4}>
      {input}
      <Group gap="xs">
        {props.prompts.length > 0 && (
          <Select
            size="xs"
            placeholder={t('addPrompt')}
            data={props.prompts.map((p) => ({ value: p.ref, label: p.name }))}
            value={null}
            onChange={(ref) => ref && change(text.trim() === '' ? ref : `${text}, ${ref}`)}
            data-testid={`${testId}-add`}
            w={200}
          />
        )}
        {named.map((p) => (
          <PromptPlayer key={p.id} prompt={p} />
        ))}
      </Group>
    </Stack>
  );
}

/** The selected node's fields, each with the plan schema's messages for it. */
export function NodeForm(props: {
  nodeId: string;
  node: Record<string, unknown>;
  issues: Map<string, string[]>;
  onChange(node: Record<string, unknown>): void;
  /** The customer's uploaded prompts, offered in prompt-list fields. */
  prompts: Prompt[];
  /** Absent for the start step, which cannot go. */
  onDelete?: () => void;
}) {
  const { t } = useI18n();
  const { nodeId, node, issues, onChange } = props;
  const whole = issues.get('') ?? [];
  return (
    <Stack gap="xs" data-testid="node-form">
      <Group justify="space-between">
        <Title order={4}>
          {t('node')}: {nodeId}
        </Title>
        {props.onDelete && (
          <Button size="xs" color="red" variant="subtle" onClick={props.onDelete} data-testid="delete-node">
            {t('deleteNode')}
          </Button>
        )}
      </Group>
      <Text size="sm" c="dimmed">
        {t('nodeType')}: {String(node.type)}
      </Text>
      {whole.length > 0 && (
        <Alert color="red" data-testid="node-errors">
          {whole.join('; ')}
        </Alert>
      )}
      {Object.entries(node)
        .filter(([k]) => k !== 'type')
        .map(([k, v]) => (
          <FieldEditor
            key={`${nodeId}.${k}`}
            name={k}
            value={v}
            errors={issues.get(k)}
            onChange={(value) => onChange({ ...node, [k]: value })}
            prompts={isPromptListField(node.type, k) ? props.prompts : undefined}
          />
        ))}
    </Stack>
  );
}
