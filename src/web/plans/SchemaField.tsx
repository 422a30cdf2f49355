import { Button, Fieldset, Group, MultiSelect, NumberInput, Paper, Select, Stack, Switch, Table, Text, Textarea, TextInput } from '@mantine/core';
import { createContext, useContext, useState, type ReactNode } from 'react';
import type { Prompt } from '../api.js';
import { useI18n } from '../i18n.js';
import { PromptPlayer } from '../prompts/PromptPlayer.js';
import { blankValue, isRecord, type FieldEntry, type FieldSpec, type RecordRefKind } from './formSpec.js';
import { refChoices, type RecordRefs, type RefChoice } from './recordRefs.js';
import { FIELD_LABELS, FORMAT_PLACEHOLDERS, VALUE_LABELS } from './texts.js';

/**
 * Renders a FieldSpec (formSpec.ts) as form controls. Every control carries data-testid
 * `field-<path>` with the path relative to the node ('options.1', 'weekly.mon.0.1'), and shows
 * the plan schema's messages for exactly that path; list and record controls add
 * `add-<path>`, `remove-<path>.<i>`, `up-…`/`down-…` buttons. A value of undefined removes the
 * field (an optional one left empty), so the node never carries empty optional values.
 */

export interface SchemaFormContext {
  nodeType: string;
  issues: Map<string, string[]>;
  nodeIds: string[];
  prompts: Prompt[];
  /** The customer's accounts and voicemail boxes, offered where a field names one. */
  records: RecordRefs;
}

export const SchemaFormContextValue = createContext<SchemaFormContext>({ nodeType: '', issues: new Map(), nodeIds: [], prompts: [], records: {} });

interface FieldProps {
  spec: FieldSpec;
  value: unknown;
  /** Dotted path relative to the node: test ids and issue lookup. */
  path: string;
  /** The same without list indices and record keys: label lookup ('holidays.closed'). */
  labelPath: string;
  /** Shown above the control; '' for none (list items, table cells). */
  label?: string;
  entry?: Pick<FieldEntry, 'optional' | 'default' | 'description'>;
  onChange(value: unknown): void;
}

function useField(props: FieldProps): { label: string | undefined; error: string | undefined; hint: string | undefined; testId: string } {
  const { lang } = useI18n();
  const ctx = useContext(SchemaFormContextValue);
  const messages = ctx.issues.get(props.path);
  const label = props.label ?? FIELD_LABELS[lang][`${ctx.nodeType}.${props.labelPath}`] ?? props.labelPath.split('.').pop();
  const hints: string[] = [];
  if (props.entry?.description) hints.push(props.entry.description);
  if (props.spec.kind === 'number' && (props.spec.min !== undefined || props.spec.max !== undefined)) hints.push(`${props.spec.min ?? ''}–${props.spec.max ?? ''}`);
  if (props.entry?.default !== undefined && !isRecord(props.entry.default) && !Array.isArray(props.entry.default)) {
    hints.push(`${lang === 'nl' ? 'standaard' : 'default'} ${valueLabel(lang, String(props.entry.default))}`);
  }
  return { label: label === '' ? undefined : label, error: messages?.join('; '), hint: hints.join(' · ') || undefined, testId: `field-${props.path}` };
}

function valueLabel(lang: 'nl' | 'en', v: string): string {
  return VALUE_LABELS[lang][v] ?? v;
}

/** An optional field left empty goes away; a required one keeps '' so the schema names it. */
function emptyTo(props: FieldProps, empty: unknown): unknown {
  return props.entry?.optional ? undefined : empty;
}

function ContainerError({ path, error }: { path: string; error?: string }) {
  return error ? (
    <Text size="xs" c="red" data-testid={`error-${path}`}>
      {error}
    </Text>
  ) : null;
}

export function SchemaField(props: FieldProps): ReactNode {
  switch (props.spec.kind) {
    case 'target':
      return <TargetField {...props} />;
    case 'prompts':
      return <PromptListField {...props} />;
    case 'ref':
      return <RecordRefField {...props} to={props.spec.to} />;
    case 'text':
      return <TextField {...props} format={props.spec.format} />;
    case 'number':
      return <NumberField {...props} spec={props.spec} />;
    case 'boolean':
    case 'flag':
      return <SwitchField {...props} />;
    case 'enum':
      return <EnumField {...props} values={props.spec.values} />;
    case 'const':
      return null;
    case 'object':
      return <ObjectField {...props} spec={props.spec} />;
    case 'array':
      return <ArrayField {...props} spec={props.spec} />;
    case 'tuple':
      return <TupleField {...props} spec={props.spec} />;
    case 'record':
      return 'fixed' in props.spec.keys ? <FixedKeyRecordField {...props} keys={props.spec.keys.fixed} valueSpec={props.spec.value} /> : <FreeKeyRecordField {...props} keys={props.spec.keys} valueSpec={props.spec.value} />;
    case 'json':
      return <JsonField {...props} />;
  }
}

/**
 * A select of known values by label. A current value that is none of them stays selected,
 * marked, with `flag` (if any) shown at the field beside the schema's messages.
 */
function ChoiceSelect(props: FieldProps & { options: RefChoice[]; unknown?: string; unknownLabel: string; flag?: string; placeholder?: string; searchable?: boolean }) {
  const f = useField(props);
  const current = typeof props.value === 'string' && props.value !== '' ? props.value : null;
  const data = props.unknown === undefined ? props.options : [...props.options, { value: props.unknown, label: `${props.unknown} (${props.unknownLabel})` }];
  return (
    <Select
      label={f.label}
      description={f.hint}
      data={data}
      value={current}
      placeholder={props.placeholder}
      searchable={props.searchable}
      onChange={(v) => props.onChange(v ?? emptyTo(props, ''))}
      clearable={props.entry?.optional === true}
      allowDeselect={false}
      error={[...(props.flag ? [props.flag] : []), ...(f.error ? [f.error] : [])].join('; ') || undefined}
      data-testid={f.testId}
    />
  );
}

/** A transition: one of the plan's steps (a target naming a missing step stays visible, marked; the schema says why). */
function TargetField(props: FieldProps) {
  const { t } = useI18n();
  const ctx = useContext(SchemaFormContextValue);
  const current = typeof props.value === 'string' && props.value !== '' ? props.value : undefined;
  const unknown = current !== undefined && !ctx.nodeIds.includes(current) ? current : undefined;
  return <ChoiceSelect {...props} options={ctx.nodeIds.map((id) => ({ value: id, label: id }))} unknown={unknown} unknownLabel={t('unknownStep')} />;
}

/**
 * One of the customer's accounts or voicemail boxes, by a readable label (recordRefs.ts). A value
 * that names no record stays selected and is flagged; while the records are not known (loading,
 * or a token that may not list them) it is a text input, so nothing is lost.
 */
function RecordRefField(props: FieldProps & { to: RecordRefKind }) {
  const { t } = useI18n();
  const ctx = useContext(SchemaFormContextValue);
  const choices = refChoices(props.to, ctx.records, props.value);
  if (!choices) return <TextField {...props} />;
  const account = props.to === 'account';
  return (
    <ChoiceSelect
      {...props}
      options={choices.options}
      unknown={choices.unknown}
      unknownLabel={t('unknownRecord')}
      flag={choices.unknown === undefined ? undefined : t(account ? 'unknownAccount' : 'unknownVoicemailBox').replace('{value}', choices.unknown)}
      placeholder={choices.options.length === 0 ? t(account ? 'noAccounts' : 'noVoicemailBoxes') : undefined}
      searchable
    />
  );
}

/** Prompt ids separated by commas, with the customer's uploads to pick from and play. */
function PromptListField(props: FieldProps) {
  const { t } = useI18n();
  const ctx = useContext(SchemaFormContextValue);
  const f = useField(props);
  const [text, setText] = useState(() => (Array.isArray(props.value) ? props.value.join(', ') : typeof props.value === 'string' ? props.value : ''));
  const change = (next: string): void => {
    setText(next);
    const list = next.split(',').map((s) => s.trim()).filter((s) => s !== '');
    props.onChange(list.length === 0 ? emptyTo(props, []) : list);
  };
  const listed = Array.isArray(props.value) ? (props.value as unknown[]) : [];
  const named = ctx.prompts.filter((p) => listed.includes(p.ref));
  return (
    <Stack gap={4}>
      <TextInput label={f.label} description={f.hint ?? t('listHint')} value={text} onChange={(e) => change(e.currentTarget.value)} error={f.error} data-testid={f.testId} />
      <Group gap="xs">
        {ctx.prompts.length > 0 && (
          <Select
            size="xs"
            placeholder={t('addPrompt')}
            data={ctx.prompts.map((p) => ({ value: p.ref, label: p.name }))}
            value={null}
            onChange={(ref) => ref && change(text.trim() === '' ? ref : `${text}, ${ref}`)}
            data-testid={`${f.testId}-add`}
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

function TextField(props: FieldProps & { format?: string }) {
  const { lang } = useI18n();
  const f = useField(props);
  const value = typeof props.value === 'string' ? props.value : props.value === undefined ? '' : String(props.value);
  const placeholder = props.format ? FORMAT_PLACEHOLDERS[lang][props.format] : typeof props.entry?.default === 'string' ? props.entry.default : undefined;
  return (
    <TextInput
      label={f.label}
      description={props.label === '' ? undefined : f.hint}
      placeholder={placeholder}
      value={value}
      onChange={(e) => props.onChange(e.currentTarget.value === '' ? emptyTo(props, '') : e.currentTarget.value)}
      error={f.error}
      data-testid={f.testId}
      w={props.format === 'time' ? 90 : undefined}
      aria-label={f.label ?? props.path}
    />
  );
}

function NumberField(props: FieldProps & { spec: Extract<FieldSpec, { kind: 'number' }> }) {
  const f = useField(props);
  const value = typeof props.value === 'number' ? props.value : props.value === undefined ? '' : String(props.value);
  return (
    <NumberInput
      label={f.label}
      description={f.hint}
      placeholder={props.entry?.default !== undefined ? String(props.entry.default) : undefined}
      value={value}
      min={props.spec.min}
      max={props.spec.max}
      allowDecimal={!props.spec.int}
      // The schema says what is wrong with an out-of-range number; the input does not correct it silently.
      clampBehavior="none"
      onChange={(v) => props.onChange(v === '' ? emptyTo(props, '') : v)}
      error={f.error}
      data-testid={f.testId}
    />
  );
}

function SwitchField(props: FieldProps) {
  const f = useField(props);
  const flag = props.spec.kind === 'flag';
  const checked = (props.value ?? props.entry?.default) === true;
  return (
    <Switch
      label={f.label}
      description={f.hint}
      checked={checked}
      onChange={(e) => props.onChange(e.currentTarget.checked ? true : flag ? undefined : false)}
      error={f.error}
      data-testid={f.testId}
    />
  );
}

function EnumField(props: FieldProps & { values: string[] }) {
  const { lang } = useI18n();
  const f = useField(props);
  return (
    <Select
      label={f.label}
      description={f.hint}
      data={props.values.map((v) => ({ value: v, label: valueLabel(lang, v) }))}
      value={typeof props.value === 'string' ? props.value : null}
      placeholder={typeof props.entry?.default === 'string' ? valueLabel(lang, props.entry.default) : undefined}
      onChange={(v) => props.onChange(v ?? undefined)}
      clearable={props.entry?.optional === true}
      allowDeselect={false}
      error={f.error}
      data-testid={f.testId}
    />
  );
}

function ObjectField(props: FieldProps & { spec: Extract<FieldSpec, { kind: 'object' }> }) {
  const { t } = useI18n();
  const f = useField(props);
  const optional = props.entry?.optional === true;
  const shown = isRecord(props.value) ? props.value : isRecord(props.entry?.default) ? props.entry.default : undefined;
  if (!shown) {
    return (
      <Stack gap={2}>
        <Group gap="xs">
          <Text size="sm" fw={500}>
            {f.label}
          </Text>
          <Button size="compact-xs" variant="light" onClick={() => props.onChange(blankValue(props.spec))} data-testid={`add-${props.path}`}>
            {t('addField')}
          </Button>
        </Group>
        <ContainerError path={props.path} error={f.error} />
      </Stack>
    );
  }
  const set = (name: string, v: unknown): void => {
    const { [name]: _old, ...rest } = shown;
    props.onChange(v === undefined ? rest : { ...shown, [name]: v });
  };
  const body = (
    <Stack gap="xs" data-testid={f.testId}>
      {f.hint && (
        <Text size="xs" c="dimmed">
          {f.hint}
        </Text>
      )}
      <ContainerError path={props.path} error={f.error} />
      {props.spec.fields.map((field) => (
        <SchemaField
          key={field.name}
          spec={field.spec}
          value={shown[field.name]}
          path={props.path === '' ? field.name : `${props.path}.${field.name}`}
          labelPath={props.labelPath === '' ? field.name : `${props.labelPath}.${field.name}`}
          entry={field}
          onChange={(v) => set(field.name, v)}
        />
      ))}
      {optional && props.entry?.default === undefined && (
        <Button size="compact-xs" variant="subtle" color="red" onClick={() => props.onChange(undefined)} data-testid={`remove-${props.path}`} w="fit-content">
          {t('removeItem')}
        </Button>
      )}
    </Stack>
  );
  return f.label === undefined ? body : <Fieldset legend={f.label}>{body}</Fieldset>;
}

function isTimeRange(spec: FieldSpec): boolean {
  return spec.kind === 'tuple' && spec.items.every((s) => s.kind === 'text' && s.format === 'time');
}

function ArrayField(props: FieldProps & { spec: Extract<FieldSpec, { kind: 'array' }>; emptyText?: string }) {
  const { t, lang } = useI18n();
  const f = useField(props);
  const item = props.spec.item;
  const list = Array.isArray(props.value) ? props.value : Array.isArray(props.entry?.default) ? (props.entry.default as unknown[]) : [];
  const emit = (next: unknown[]): void => props.onChange(next.length === 0 ? emptyTo(props, []) : next);

  if (item.kind === 'enum') {
    return (
      <MultiSelect
        label={f.label}
        description={f.hint}
        data={item.values.map((v) => ({ value: v, label: valueLabel(lang, v) }))}
        value={list.filter((v): v is string => typeof v === 'string')}
        onChange={emit}
        error={f.error}
        data-testid={f.testId}
      />
    );
  }
  const move = (i: number, d: number): void => {
    const next = [...list];
    [next[i], next[i + d]] = [next[i + d], next[i]];
    emit(next);
  };
  const compact = item.kind !== 'object';
  const full = props.spec.max !== undefined && list.length >= props.spec.max;
  return (
    <Stack gap={4} data-testid={f.testId}>
      {f.label && (
        <Text size="sm" fw={500}>
          {f.label}
        </Text>
      )}
      {f.hint && (
        <Text size="xs" c="dimmed">
          {f.hint}
        </Text>
      )}
      <ContainerError path={props.path} error={f.error} />
      {list.length === 0 && props.emptyText && (
        <Text size="sm" c="dimmed">
          {props.emptyText}
        </Text>
      )}
      {list.map((v, i) => {
        const path = `${props.path}.${i}`;
        const buttons = (
          <Group gap={2} wrap="nowrap">
            {list.length > 1 && (
              <>
                <Button size="compact-xs" variant="subtle" disabled={i === 0} onClick={() => move(i, -1)} data-testid={`up-${path}`} aria-label={t('moveUp')}>
                  ↑
                </Button>
                <Button size="compact-xs" variant="subtle" disabled={i === list.length - 1} onClick={() => move(i, 1)} data-testid={`down-${path}`} aria-label={t('moveDown')}>
                  ↓
                </Button>
              </>
            )}
            <Button size="compact-xs" variant="subtle" color="red" onClick={() => emit(list.filter((_x, j) => j !== i))} data-testid={`remove-${path}`} aria-label={t('removeItem')}>
              ✕
            </Button>
          </Group>
        );
        const editor = <SchemaField spec={item} value={v} path={path} labelPath={props.labelPath} label="" onChange={(x) => emit(list.map((y, j) => (j === i ? x : y)))} />;
        return compact ? (
          <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
            <div style={{ flex: 1 }}>{editor}</div>
            {buttons}
          </Group>
        ) : (
          <Paper key={i} withBorder p="xs">
            <Stack gap={4}>
              {editor}
              <Group justify="flex-end">{buttons}</Group>
            </Stack>
          </Paper>
        );
      })}
      {!full && (
        <Button size="compact-xs" variant="light" onClick={() => emit([...list, blankValue(item)])} data-testid={`add-${props.path}`} w="fit-content">
          {isTimeRange(item) ? t('addRange') : t('addItem')}
        </Button>
      )}
    </Stack>
  );
}

function TupleField(props: FieldProps & { spec: Extract<FieldSpec, { kind: 'tuple' }> }) {
  const f = useField(props);
  const list = Array.isArray(props.value) ? props.value : [];
  return (
    <Stack gap={2}>
      <Group gap="xs" data-testid={f.testId} wrap="nowrap" align="flex-start">
        {props.spec.items.map((s, i) => (
          <SchemaField
            key={i}
            spec={s}
            value={list[i]}
            path={`${props.path}.${i}`}
            labelPath={props.labelPath}
            label=""
            onChange={(v) => props.onChange(props.spec.items.map((_s, j) => (j === i ? (v ?? '') : (list[j] ?? ''))))}
          />
        ))}
      </Group>
      <ContainerError path={props.path} error={f.error} />
    </Stack>
  );
}

/** Keys from an enum, a table row each (the weekly opening hours: a day per row, its time ranges beside it). */
function FixedKeyRecordField(props: FieldProps & { keys: string[]; valueSpec: FieldSpec }) {
  const { t, lang } = useI18n();
  const f = useField(props);
  const obj = isRecord(props.value) ? props.value : {};
  const set = (k: string, v: unknown): void => {
    const { [k]: _old, ...rest } = obj;
    // Keys in the enum's order, so the document reads mon…sun whatever order they were added in.
    const next = v === undefined ? rest : { ...obj, [k]: v };
    props.onChange(Object.fromEntries(props.keys.filter((key) => key in next).map((key) => [key, next[key]])));
  };
  const listValued = props.valueSpec.kind === 'array';
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        {f.label}
      </Text>
      <ContainerError path={props.path} error={f.error} />
      <Table data-testid={f.testId} withRowBorders>
        <Table.Tbody>
          {props.keys.map((k) => {
            const path = `${props.path}.${k}`;
            return (
              <Table.Tr key={k} data-key={k}>
                <Table.Td w={110} style={{ verticalAlign: 'top' }}>
                  {valueLabel(lang, k)}
                </Table.Td>
                <Table.Td>
                  {listValued ? (
                    // Absent and empty mean the same for a list: nothing (for opening hours: closed that day).
                    <ArrayField spec={props.valueSpec as Extract<FieldSpec, { kind: 'array' }>} value={obj[k] ?? []} path={path} labelPath={props.labelPath} label="" onChange={(v) => set(k, v)} emptyText={t('closedAllDay')} />
                  ) : k in obj ? (
                    <Group gap="xs" wrap="nowrap">
                      <SchemaField spec={props.valueSpec} value={obj[k]} path={path} labelPath={props.labelPath} label="" onChange={(v) => set(k, v)} />
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => set(k, undefined)} data-testid={`remove-${path}`}>
                        ✕
                      </Button>
                    </Group>
                  ) : (
                    <Button size="compact-xs" variant="light" onClick={() => set(k, blankValue(props.valueSpec))} data-testid={`add-${path}`}>
                      {t('addField')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

/** Keys people choose (a menu's keys): a row per entry with the key and its value. */
function FreeKeyRecordField(props: FieldProps & { keys: { candidates: string[]; free: boolean }; valueSpec: FieldSpec }) {
  const { t } = useI18n();
  const f = useField(props);
  const obj = isRecord(props.value) ? props.value : {};
  const entries = Object.entries(obj);
  const unused = props.keys.candidates.filter((k) => !(k in obj));
  const rename = (from: string, to: string): void => {
    if (to === from || to === '' || to in obj) return;
    props.onChange(Object.fromEntries(entries.map(([k, v]) => [k === from ? to : k, v])));
  };
  const set = (k: string, v: unknown): void => {
    const { [k]: _old, ...rest } = obj;
    props.onChange(v === undefined ? rest : Object.fromEntries(entries.map(([kk, vv]) => [kk, kk === k ? v : vv])));
  };
  return (
    <Stack gap={4} data-testid={f.testId}>
      <Text size="sm" fw={500}>
        {f.label}
      </Text>
      <ContainerError path={props.path} error={f.error} />
      {entries.map(([k, v], i) => {
        const path = `${props.path}.${k}`;
        return (
          // By position: renaming a key must not remount the row under the cursor.
          <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
            {props.keys.free ? (
              <TextInput label={t('menuKey')} value={k} onChange={(e) => rename(k, e.currentTarget.value)} w={120} data-testid={`key-${path}`} />
            ) : (
              <Select label={t('menuKey')} data={[k, ...unused]} value={k} onChange={(to) => to && rename(k, to)} allowDeselect={false} w={90} data-testid={`key-${path}`} />
            )}
            <div style={{ flex: 1 }}>
              <SchemaField spec={props.valueSpec} value={v} path={path} labelPath={props.labelPath} label={t('goesTo')} onChange={(x) => set(k, x ?? '')} />
            </div>
            <Button mt={24} size="compact-xs" variant="subtle" color="red" onClick={() => set(k, undefined)} data-testid={`remove-${path}`} aria-label={t('removeItem')}>
              ✕
            </Button>
          </Group>
        );
      })}
      {unused.length > 0 && (
        <Button size="compact-xs" variant="light" onClick={() => props.onChange({ ...obj, [unused[0]]: blankValue(props.valueSpec) })} data-testid={`add-${props.path}`} w="fit-content">
          {t('addItem')}
        </Button>
      )}
    </Stack>
  );
}

/** Only for what the schema walk cannot describe (see formSpec.ts jsonFallbacks): raw JSON. */
export function JsonField(props: FieldProps) {
  const { t } = useI18n();
  const f = useField(props);
  const [text, setText] = useState(() => JSON.stringify(props.value ?? null, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <Textarea
      label={f.label}
      description={t('rawJson')}
      value={text}
      autosize
      minRows={2}
      maxRows={14}
      ff="monospace"
      onChange={(e) => {
        const next = e.currentTarget.value;
        setText(next);
        try {
          props.onChange(JSON.parse(next) as unknown);
          setBad(false);
        } catch {
          setBad(true);
        }
      }}
      error={[...(bad ? [t('jsonInvalid')] : []), ...(f.error ? [f.error] : [])].join('; ') || undefined}
      data-testid={f.testId}
    />
  );
}
