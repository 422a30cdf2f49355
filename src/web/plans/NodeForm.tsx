import { Alert, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import type { FieldIssue, Prompt } from '../api.js';
import { useI18n } from '../i18n.js';
import { formPaths, nodeFormSpec, nodeIssuesByPath } from './formSpec.js';
import type { RecordRefs } from './recordRefs.js';
import { JsonField, SchemaField, SchemaFormContextValue } from './SchemaField.js';
import { NODE_TYPE_LABELS } from './texts.js';

/**
 * The selected node as a form derived from its type's zod schema (formSpec.ts). Validation is
 * not done here: the editor runs the plan schema over the whole draft and passes the issues in;
 * each is shown at the control for its path, the rest at the top.
 */
export function NodeForm(props: {
  nodeId: string;
  node: Record<string, unknown>;
  /** The whole draft's issues (paths 'nodes.<id>.…'). */
  errors: FieldIssue[];
  /** The plan's step ids, offered wherever a field names the next step. */
  nodeIds: string[];
  onChange(node: Record<string, unknown>): void;
  /** The customer's uploaded prompts, offered in prompt-list fields. */
  prompts: Prompt[];
  /** The customer's accounts and voicemail boxes, offered where a field names one. */
  records: RecordRefs;
  /** Absent for the start step, which cannot go. */
  onDelete?: () => void;
}) {
  const { t, lang } = useI18n();
  const { nodeId, node, onChange } = props;
  const spec = useMemo(() => nodeFormSpec(node.type), [node.type]);
  const issues = useMemo(() => nodeIssuesByPath(props.errors, nodeId, new Set(spec ? formPaths(spec, node) : [])), [props.errors, nodeId, spec, node]);
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
        {t('nodeType')}: {NODE_TYPE_LABELS[lang][String(node.type)] ?? String(node.type)}
      </Text>
      {whole.length > 0 && (
        <Alert color="red" data-testid="node-errors">
          {whole.join('; ')}
        </Alert>
      )}
      <SchemaFormContextValue.Provider value={{ nodeType: String(node.type), issues, nodeIds: props.nodeIds, prompts: props.prompts, records: props.records }}>
        {spec ? (
          spec.fields
            .filter((f) => f.name !== 'type')
            .map((f) => (
              <SchemaField
                key={`${nodeId}.${f.name}`}
                spec={f.spec}
                value={node[f.name]}
                path={f.name}
                labelPath={f.name}
                entry={f}
                onChange={(v) => {
                  const { [f.name]: _old, ...rest } = node;
                  onChange(v === undefined ? rest : { ...node, [f.name]: v });
                }}
              />
            ))
        ) : (
          // A type the schema does not know: the node as JSON, with the schema's message on 'type'.
          <JsonField spec={{ kind: 'json', reason: 'unknown node type' }} value={node} path="" labelPath="" label="" onChange={(v) => onChange(v as Record<string, unknown>)} />
        )}
      </SchemaFormContextValue.Provider>
    </Stack>
  );
}
