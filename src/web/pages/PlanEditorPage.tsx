import { Alert, Badge, Button, Grid, Group, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiFailure, type FieldIssue, type PlanRecord, type Prompt, type PlanVersion, type SimulateInput, type Simulation } from '../api.js';
import { useSignedIn } from '../auth.js';
import { useI18n } from '../i18n.js';
import { History } from '../plans/History.js';
import { NodeForm } from '../plans/NodeForm.js';
import { PlanGraph } from '../plans/PlanGraph.js';
import { nodesWithIssues, planIssues, ringTargets, type PlanDocument } from '../plans/planModel.js';
import { Simulator } from '../plans/Simulator.js';
import { NODE_TEMPLATES } from '../plans/nodeTemplates.js';
import { PlanOutline } from '../plans/PlanOutline.js';
import type { RecordRefs } from '../plans/recordRefs.js';
import type { PlanNodeType } from '../../plans/schema.js';

/** The API names plan fields under the body field 'plan' ('plan.nodes.menu.timeoutMs'); the editor without it. */
function planPaths(issues: FieldIssue[]): FieldIssue[] {
  return issues.flatMap((i) => (i.path === 'plan' || i.path.startsWith('plan.') ? [{ path: i.path.replace(/^plan\.?/, ''), message: i.message }] : []));
}

/** Plan-level issues ('name', 'start') by field. */
function nodeFieldIssuesTop(issues: FieldIssue[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of issues) if (!i.path.startsWith('nodes.')) out.set(i.path.split('.')[0], [...(out.get(i.path.split('.')[0]) ?? []), i.message]);
  return out;
}

/**
 * The call plan editor: the newest version as a draft, drawn as a graph; the selected node in a
 * form checked live by the plan schema; save as a new version, try it in the simulator, publish,
 * and restore from the history.
 */
export function PlanEditorPage() {
  const { planId = '' } = useParams();
  const { api, session } = useSignedIn();
  const { t } = useI18n();
  const [record, setRecord] = useState<PlanRecord>();
  const [versions, setVersions] = useState<PlanVersion[]>([]);
  const [draft, setDraft] = useState<PlanDocument>();
  const [saved, setSaved] = useState<PlanDocument>();
  const [prompts, setPrompts] = useState<Prompt[]>([]);
  const [records, setRecords] = useState<RecordRefs>({});
  const [tokenLabels, setTokenLabels] = useState<Map<string, string>>(new Map());
  /** The saved version the draft started from; undefined once edited. */
  const [draftOf, setDraftOf] = useState<number>();
  const [formGeneration, setFormGeneration] = useState(0);
  const [selected, setSelected] = useState<string>();
  const [serverIssues, setServerIssues] = useState<FieldIssue[]>([]);
  const [simulation, setSimulation] = useState<Simulation>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      const customerId = session.customerId as string;
      const [r, vs, tokens, uploads, accounts, boxes] = await Promise.all([
        api.plan(planId),
        api.versions(planId),
        api.tokens(customerId).catch(() => []),
        api.prompts(customerId).catch(() => []),
        // Unreadable lists leave those fields as text inputs rather than flagging every value unknown.
        api.accounts(customerId).catch(() => undefined),
        api.voicemailBoxes(customerId).catch(() => undefined),
      ]);
      const newest = vs[vs.length - 1];
      const doc = newest ? ((await api.version(planId, newest.version)).plan as PlanDocument) : undefined;
      setRecord(r);
      setVersions(vs);
      setDraft(doc);
      setSaved(doc);
      setTokenLabels(new Map(tokens.map((tk) => [tk.id, tk.label])));
      setPrompts(uploads);
      setRecords({ ...(accounts ? { account: accounts } : {}), ...(boxes ? { voicemailBox: boxes.filter((b) => b.customerId === customerId) } : {}) });
      setDraftOf(newest?.version);
      setServerIssues([]);
      setFormGeneration((g) => g + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, planId, session.customerId]);
  useEffect(() => {
    void load();
  }, [load]);

  const checked = useMemo(() => (draft ? planIssues(draft) : { errors: [], warnings: [] }), [draft]);
  const errors = checked.errors.length > 0 ? checked.errors : serverIssues;
  const issueNodes = useMemo(() => nodesWithIssues(errors), [errors]);
  const targets = useMemo(() => (draft ? ringTargets(draft) : []), [draft]);
  const selectedNode = selected && draft?.nodes?.[selected];

  const edit = (doc: PlanDocument): void => {
    setDraft(doc);
    setDraftOf(undefined);
    setServerIssues([]);
    setSimulation(undefined);
  };
  const editNode = (id: string, node: Record<string, unknown>): void => {
    if (draft) edit({ ...draft, nodes: { ...draft.nodes, [id]: node } });
  };
  const addNode = (id: string, type: PlanNodeType): void => {
    if (!draft) return;
    edit({ ...draft, nodes: { ...draft.nodes, [id]: { ...NODE_TEMPLATES[type] } } });
    setSelected(id);
  };
  /** Removes the step; transitions that led to it then show as errors at their fields. */
  const deleteNode = (id: string): void => {
    if (!draft?.nodes) return;
    const { [id]: _gone, ...rest } = draft.nodes;
    edit({ ...draft, nodes: rest });
    setSelected(undefined);
  };

  const guarded = async (action: () => Promise<void>): Promise<void> => {
    setError(undefined);
    setNotice(undefined);
    try {
      await action();
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 400) setServerIssues(planPaths(e.issues));
      setError(e instanceof ApiFailure && e.status === 400 ? t('planErrors') : (e as Error).message);
    }
  };
  const save = (): Promise<void> =>
    guarded(async () => {
      const v = await api.saveVersion(planId, draft);
      await load();
      setNotice(`${t('saved')} ${v.version}`);
    });
  const publish = (version: number): Promise<void> =>
    guarded(async () => {
      await api.publish(planId, version);
      await load();
      setNotice(`${t('published')} ${version}`);
    });
  const restore = (version: number): Promise<void> =>
    guarded(async () => {
      const r = await api.restore(planId, version);
      await load();
      setNotice(`${t('restored')} ${r.liveVersion ?? ''}`);
    });
  const simulate = async (input: Omit<SimulateInput, 'plan'>): Promise<Simulation | FieldIssue[]> => {
    try {
      const result = await api.simulate(planId, { ...input, plan: draft });
      setSimulation(result);
      return result;
    } catch (e) {
      setSimulation(undefined);
      if (e instanceof ApiFailure && e.status === 400) {
        setServerIssues(planPaths(e.issues));
        return e.issues;
      }
      setError((e as Error).message);
      return [];
    }
  };

  if (!record || !draft) return <Text>{error ?? t('loading')}</Text>;
  const newest = versions[versions.length - 1];

  return (
    <Stack>
      <Group justify="space-between">
        <Group>
          <Button component={Link} to="/plans" variant="subtle">
            {t('back')}
          </Button>
          <Title order={2}>{record.name}</Title>
          {record.liveVersion !== undefined ? (
            <Badge color="green" data-testid="live-version">
              {t('live')}: {t('version').toLowerCase()} {record.liveVersion}
            </Badge>
          ) : (
            <Badge color="gray" data-testid="live-version">
              {t('notPublished')}
            </Badge>
          )}
          <Badge variant="outline" data-testid="draft-state">
            {draftOf !== undefined ? `${t('draft')}: ${t('version').toLowerCase()} ${draftOf}` : t('unsaved')}
          </Badge>
        </Group>
        <Group>
          <Button onClick={() => void save()} disabled={draftOf !== undefined || checked.errors.length > 0} data-testid="save">
            {t('saveVersion')}
          </Button>
          <Button
            color="green"
            onClick={() => newest && void publish(newest.version)}
            disabled={draftOf === undefined || !newest || newest.live}
            data-testid="publish-draft"
          >
            {t('publishDraft')}
          </Button>
        </Group>
      </Group>
      {notice && (
        <Alert color="green" data-testid="notice">
          {notice}
        </Alert>
      )}
      {error && (
        <Alert color="red" data-testid="error">
          {error}
        </Alert>
      )}
      {errors.length > 0 && (
        <Alert color="red" title={t('planErrors')} data-testid="plan-errors">
          {errors.map((i) => (
            <div key={`${i.path}:${i.message}`}>
              {i.path.startsWith('nodes.') ? (
                <Text component="button" size="sm" td="underline" style={{ border: 0, background: 'none', cursor: 'pointer', padding: 0 }} onClick={() => setSelected(i.path.split('.')[1])}>
                  {i.path}
                </Text>
              ) : (
                <Text span size="sm">
                  {i.path}
                </Text>
              )}
              <Text span size="sm">
                : {i.message}
              </Text>
            </div>
          ))}
        </Alert>
      )}
      {checked.warnings.length > 0 && (
        <Alert color="yellow" title={t('planWarnings')}>
          {checked.warnings.map((w) => `${w.path}: ${w.message}`).join('; ')}
        </Alert>
      )}
      <Grid>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <PlanGraph doc={draft} saved={saved} selected={selected} path={simulation?.path.map((p) => p.node) ?? []} issueNodes={issueNodes} onSelect={setSelected} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          {selected && selectedNode && typeof selectedNode === 'object' ? (
            <NodeForm
              key={`${formGeneration}:${selected}`}
              nodeId={selected}
              node={selectedNode as Record<string, unknown>}
              errors={errors}
              nodeIds={Object.keys(draft.nodes ?? {})}
              onChange={(node) => editNode(selected, node)}
              prompts={prompts}
              records={records}
              onDelete={draft.start === selected ? undefined : () => deleteNode(selected)}
            />
          ) : (
            <Text c="dimmed">{t('selectNode')}</Text>
          )}
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <PlanOutline doc={draft} issues={nodeFieldIssuesTop(errors)} onChange={edit} onAdd={addNode} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Simulator targets={targets} run={simulate} result={simulation} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <History versions={versions} tokenLabels={tokenLabels} onPublish={(v) => void publish(v)} onRestore={(v) => void restore(v)} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
