import { Alert, Button, Group, NumberInput, Pagination, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiFailure } from '../api.js';
import { useI18n } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';
import { NUMBER_TYPES, type InventoryApi, type InventoryNumber, type PatternKind, type SearchInput, type SearchPage } from './inventoryApi.js';

const PAGE_SIZE = 10;

/** Search the available stock by type, caller tariff (090x) and pattern, a page at a time; "order" picks a number. */
export function NumberSearch({ inventory, onPick }: { inventory: InventoryApi; onPick(n: InventoryNumber): void }) {
  const { t } = useI18n();
  const [type, setType] = useState<string | null>(null);
  const [perMinute, setPerMinute] = useState<number | string>('');
  const [perCall, setPerCall] = useState<number | string>('');
  const [kind, setKind] = useState<PatternKind>('endsWith');
  const [pattern, setPattern] = useState('');
  const [result, setResult] = useState<SearchPage>();
  const [error, setError] = useState<string>();

  const run = async (page: number): Promise<void> => {
    const input: SearchInput = {
      page,
      pageSize: PAGE_SIZE,
      ...(type ? { type } : {}),
      ...(typeof perMinute === 'number' ? { perMinuteCents: perMinute } : {}),
      ...(typeof perCall === 'number' ? { perCallCents: perCall } : {}),
      ...(pattern.trim() !== '' ? { pattern: { kind, value: pattern } } : {}),
    };
    try {
      setResult(await inventory.search(input));
      setError(undefined);
    } catch (e) {
      setError(e instanceof ApiFailure && e.issues.length > 0 ? e.issues.map((i) => i.message).join('; ') : (e as Error).message);
    }
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void run(1);
  };

  return (
    <Stack>
      <Title order={3}>{t('inventorySearch')}</Title>
      <form onSubmit={submit}>
        <Group align="end">
          <Select
            label={t('numberType')}
            placeholder={t('anyType')}
            clearable
            data={[...NUMBER_TYPES]}
            value={type}
            onChange={setType}
            data-testid="search-type"
            w={150}
          />
          <NumberInput label={t('tariffPerMinuteCents')} min={0} allowDecimal={false} value={perMinute} onChange={setPerMinute} data-testid="search-per-minute" w={180} />
          <NumberInput label={t('tariffPerCallCents')} min={0} allowDecimal={false} value={perCall} onChange={setPerCall} data-testid="search-per-call" w={180} />
          <Select
            label={t('patternKind')}
            data={[
              { value: 'endsWith', label: t('patternEndsWith') },
              { value: 'contains', label: t('patternContains') },
              { value: 'repeated', label: t('patternRepeated') },
              { value: 'wildcard', label: t('patternWildcard') },
            ]}
            value={kind}
            onChange={(v) => setKind((v ?? 'endsWith') as PatternKind)}
            allowDeselect={false}
            data-testid="search-pattern-kind"
            w={220}
          />
          <TextInput label={t('patternValue')} value={pattern} onChange={(e) => setPattern(e.currentTarget.value)} data-testid="search-pattern" w={180} />
          <Button type="submit" data-testid="search-run">
            {t('search')}
          </Button>
        </Group>
      </form>
      {error && (
        <Alert color="red" data-testid="search-error">
          {error}
        </Alert>
      )}
      {result && (
        <Stack gap="xs">
          <Text data-testid="search-total">
            {result.total} {t('found')}
          </Text>
          {result.items.length === 0 ? (
            <Text c="dimmed">{t('noneFound')}</Text>
          ) : (
            <ListTable
              testId="search-results"
              headers={[t('number'), t('type'), t('tariff'), '']}
              rows={result.items}
              rowKey={(n) => n.e164}
              rowAttributes={(n) => ({ 'data-number': n.national })}
              cells={(n) => [
                n.national,
                n.type,
                n.tariffAnnouncement ?? '',
                <Button size="xs" onClick={() => onPick(n)} data-testid={`order-${n.national}`}>
                  {t('orderNumber')}
                </Button>,
              ]}
            />
          )}
          {result.total > result.pageSize && (
            <Pagination total={Math.ceil(result.total / result.pageSize)} value={result.page} onChange={(p) => void run(p)} data-testid="search-pages" />
          )}
        </Stack>
      )}
    </Stack>
  );
}
