import { Button, Group, Select, Stack, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { nodeIdSchema } from '../../plans/fields.js';
import type { PlanNodeType } from '../../plans/schema.js';
import { useI18n } from '../i18n.js';
import { NODE_TYPES } from './nodeTemplates.js';
import { NODE_TYPE_LABELS } from './texts.js';
import type { PlanDocument } from './planModel.js';

/** An optional plan field: an empty value removes it (the schema has no use for ''). */
function withOptional(doc: PlanDocument, field: 'description' | 'onFaxTone', value: string): PlanDocument {
  const { [field]: _old, ...rest } = doc;
  return value === '' ? rest : { ...doc, [field]: value };
}

/**
 * The plan as a whole: its name and description, the step calls start at, the fax step a fax
 * tone switches to, and adding a step (a name checked by the runtime's node-id rule, and a type
 * from the schema's node types).
 */
export function PlanOutline(props: {
  doc: PlanDocument;
  issues: Map<string, string[]>;
  onChange(doc: PlanDocument): void;
  onAdd(id: string, type: PlanNodeType): void;
}) {
  const { t, lang } = useI18n();
  const { doc, issues, onChange } = props;
  const [newId, setNewId] = useState('');
  const [newType, setNewType] = useState<PlanNodeType>('announcement');
  const ids = Object.keys(doc.nodes ?? {});
  const idCheck = nodeIdSchema.safeParse(newId);
  const idError = newId === '' ? undefined : !idCheck.success ? idCheck.error.issues[0].message : ids.includes(newId) ? t('nodeIdTaken') : undefined;
  // A plan switches to a fax step only (planGraph.ts unknownTargets): offer those, and keep a stale choice visible.
  const faxNodes = ids.filter((id) => (doc.nodes?.[id] as { type?: unknown } | undefined)?.type === 'fax');
  if (typeof doc.onFaxTone === 'string' && !faxNodes.includes(doc.onFaxTone)) faxNodes.push(doc.onFaxTone);
  const at = (field: string): string | undefined => issues.get(field)?.join('; ');

  return (
    <Stack gap="xs" data-testid="plan-outline">
      <Title order={4}>{t('planSettings')}</Title>
      <Group grow align="flex-start">
        <TextInput label={t('planName')} value={typeof doc.name === 'string' ? doc.name : ''} onChange={(e) => onChange({ ...doc, name: e.currentTarget.value })} error={at('name')} data-testid="plan-name" />
        <Select label={t('startNode')} data={ids} value={typeof doc.start === 'string' ? doc.start : null} onChange={(v) => v && onChange({ ...doc, start: v })} error={at('start')} data-testid="plan-start" allowDeselect={false} />
      </Group>
      <Group grow align="flex-start">
        <TextInput
          label={t('planDescription')}
          value={typeof doc.description === 'string' ? doc.description : ''}
          onChange={(e) => onChange(withOptional(doc, 'description', e.currentTarget.value))}
          error={at('description')}
          data-testid="plan-description"
        />
        <Select
          label={t('onFaxTone')}
          description={t('onFaxToneHelp')}
          data={faxNodes}
          value={typeof doc.onFaxTone === 'string' ? doc.onFaxTone : null}
          onChange={(v) => onChange(withOptional(doc, 'onFaxTone', v ?? ''))}
          clearable
          error={at('onFaxTone')}
          data-testid="plan-on-fax-tone"
        />
      </Group>
      <Group align="flex-end">
        <TextInput label={t('newNodeId')} value={newId} onChange={(e) => setNewId(e.currentTarget.value.trim())} error={idError} data-testid="new-node-id" />
        <Select
          data={NODE_TYPES.map((type) => ({ value: type, label: NODE_TYPE_LABELS[lang][type] }))}
          value={newType}
          onChange={(v) => v && setNewType(v as PlanNodeType)}
          allowDeselect={false}
          w={180}
          data-testid="new-node-type"
          aria-label={t('nodeType')}
        />
        <Button
          variant="light"
          disabled={newId === '' || idError !== undefined}
          onClick={() => {
            props.onAdd(newId, newType);
            setNewId('');
          }}
          data-testid="add-node"
        >
          {t('addNode')}
        </Button>
      </Group>
    </Stack>
  );
}
