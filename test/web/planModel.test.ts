import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pathEdges, planGraph, ringTargets, type PlanDocument } from '../../src/web/plans/planModel.js';

const demo = async (): Promise<PlanDocument> => parse(await readFile(new URL('../../dialplans/demo-0909.yaml', import.meta.url), 'utf8')) as PlanDocument;

describe('the editor\'s view of a plan', () => {
  it('draws a transition per outcome, from the runtime\'s nodeTargets', async () => {
    const { edges } = planGraph(await demo());
    const from = (id: string): string[] => edges.filter((e) => e.source === id).map((e) => `${e.outcome}>${e.target}`).sort();
    expect(from('keuzemenu')).toEqual(['fallback>niet-bereikbaar', 'options.1>verkoop', 'options.2>support']);
    expect(from('openingstijden')).toEqual(['closed>gesloten', 'open>welkom']);
    expect(from('verkoop-bellen')).toEqual(['onBusy>bezet', 'onFailure>niet-bereikbaar', 'onNoAnswer>niet-bereikbaar']);
    expect(from('ophangen')).toEqual([]);
  });

  it('keeps the saved transitions of a step while it is invalid, and marks it', async () => {
    const saved = await demo();
    const nodes = saved.nodes as Record<string, Record<string, unknown>>;
    const draft = { ...saved, nodes: { ...nodes, keuzemenu: { ...nodes.keuzemenu, timeoutMs: 'abc' } } };
    const withSaved = planGraph(draft, saved);
    expect(withSaved.edges.filter((e) => e.source === 'keuzemenu')).toHaveLength(3);
    expect(withSaved.nodes.find((n) => n.id === 'keuzemenu')?.invalid).toBe(true);
    expect(planGraph(draft).edges.filter((e) => e.source === 'keuzemenu')).toHaveLength(0);
  });

  it('lights the transitions a simulated path took', async () => {
    const { edges } = planGraph(await demo());
    expect([...pathEdges(['openingstijden', 'welkom', 'keuzemenu', 'support'], edges)].sort()).toEqual(['keuzemenu>options.2', 'openingstijden>open', 'welkom>next']);
  });

  it('offers who can be rung to the simulator', async () => {
    expect(ringTargets(await demo())).toEqual(['201', '202']);
  });
});
