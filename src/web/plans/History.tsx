import { Badge, Button, Title } from '@mantine/core';
import type { PlanVersion } from '../api.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n.js';
import { ListTable } from '../ui/ListTable.js';

/** Every saved version with who saved it and when; publish any, or restore an earlier one as a new live copy. */
export function History(props: { versions: PlanVersion[]; tokenLabels: Map<string, string>; onPublish(version: number): void; onRestore(version: number): void }) {
  const { t, lang } = useI18n();
  const newest = Math.max(0, ...props.versions.map((v) => v.version));
  // createdBy is 'platform' or '<role>:<token id>': show the token's label where this admin may see it.
  const author = (createdBy: string): string => {
    const [role, tokenId] = createdBy.split(':');
    const label = tokenId === undefined ? undefined : props.tokenLabels.get(tokenId);
    const roleName = role === 'beheerder' ? t('roleBeheerder') : role === 'platform' ? t('rolePlatform') : role;
    return label === undefined ? (tokenId === undefined ? roleName : createdBy) : `${label} (${roleName.toLowerCase()})`;
  };
  return (
    <>
      <Title order={4}>{t('history')}</Title>
      <ListTable
        testId="history"
        headers={[t('version'), t('when'), t('who'), t('note'), '']}
        rows={[...props.versions].reverse()}
        rowKey={(v) => String(v.version)}
        rowAttributes={(v) => ({ 'data-version': String(v.version), 'data-live': v.live ? 'true' : 'false' })}
        cells={(v) => [
          <>
            {v.version} {v.live && <Badge color="green">{t('live')}</Badge>}
          </>,
          dateTime(v.createdAt, lang),
          author(v.createdBy),
          (v.note ?? '').replace(/^restored from version (\d+)$/, `${t('restoredFrom')} $1`),
          !v.live && v.version === newest ? (
            <Button size="xs" onClick={() => props.onPublish(v.version)} data-testid={`publish-${v.version}`}>
              {t('publish')}
            </Button>
          ) : !v.live ? (
            <Button size="xs" variant="light" onClick={() => props.onRestore(v.version)} data-testid={`restore-${v.version}`}>
              {t('restore')}
            </Button>
          ) : null,
        ]}
      />
    </>
  );
}
