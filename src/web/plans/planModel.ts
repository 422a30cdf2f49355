import { Graph, layout } from '@dagrejs/dagre';
import { nodeTargets } from '../../plans/planGraph.js';
import { parsePlan, planNodeSchema, type PlanNode } from '../../plans/schema.js';
import type { FieldIssue } from '../api.js';

/**
 * The plan as the editor sees it, from the runtime's own definitions: each node's schema
 * (src/plans/nodes/*.ts via planNodeSchema) and its transitions (planGraph.ts nodeTargets), so
 * the picture cannot drift from what a call does. Pure functions over a draft document, which
 * may be invalid while it is being edited.
 */

export type PlanDocument = { nodes?: Record<string, unknown>; start?: unknown; [key: string]: unknown };

// A type, not an interface: xyflow wants node data with an index signature.
export type GraphNode = {
  id: string;
  type: string;
  x: number;
  y: number;
  start: boolean;
  /** The node itself fails its schema: drawn without transitions until fixed. */
  invalid: boolean;
};

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** The outcome that takes this transition: 'next', 'open', 'options.2', 'onBusy' … */
  outcome: string;
}

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 58;

/** A node parsed by its own schema, or undefined while it is invalid. */
export function parseNode(raw: unknown): PlanNode | undefined {
  const r = planNodeSchema.safeParse(raw);
  return r.success ? r.data : undefined;
}

/**
 * Nodes and transitions laid out top-down (dagre); transitions to unknown nodes are left out.
 * A node that is invalid while being edited keeps the transitions it has in `saved` (the version
 * the draft came from), so the picture does not jump while a field is half typed.
 */
export function planGraph(doc: PlanDocument, saved?: PlanDocument): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const entries = Object.entries(doc.nodes ?? {});
  const edges: GraphEdge[] = [];
  const parsed = new Map(entries.map(([id, raw]) => [id, parseNode(raw)]));
  const drawn = new Map(entries.map(([id]) => [id, parsed.get(id) ?? parseNode(saved?.nodes?.[id])]));
  for (const [id, node] of drawn) {
    if (!node) continue;
    for (const t of nodeTargets(node)) {
      if (parsed.has(t.target)) edges.push({ id: `${id}>${t.key}`, source: id, target: t.target, outcome: t.key });
    }
  }
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 70 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const [id] of entries) g.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of edges) g.setEdge(e.source, e.target, { label: e.outcome, width: 60, height: 16 }, e.id);
  layout(g);
  const nodes = entries.map(([id, raw]) => {
    const pos = g.node(id);
    const type = typeof (raw as { type?: unknown })?.type === 'string' ? (raw as { type: string }).type : '?';
    return { id, type, x: pos.x - NODE_WIDTH / 2, y: pos.y - NODE_HEIGHT / 2, start: doc.start === id, invalid: !parsed.get(id) };
  });
  return { nodes, edges };
}

/** Everything wrong with the draft, by the same parsePlan the API and the runtime use. */
export function planIssues(doc: PlanDocument): { errors: FieldIssue[]; warnings: FieldIssue[] } {
  const r = parsePlan(doc);
  const plain = (issues: { path: string; message: string }[]): FieldIssue[] => issues.map((i) => ({ path: i.path, message: i.message }));
  return r.ok ? { errors: [], warnings: plain(r.warnings) } : { errors: plain(r.errors), warnings: plain(r.warnings) };
}

/** Node ids with any issue (for marking them in the graph). */
export function nodesWithIssues(issues: FieldIssue[]): Set<string> {
  return new Set(issues.flatMap((i) => (i.path.startsWith('nodes.') ? [i.path.split('.')[1]] : [])));
}

/** Who a call can ring (forward targets and hunt group members), as the simulator names them. */
export function ringTargets(doc: PlanDocument): string[] {
  const out = new Set<string>();
  for (const raw of Object.values(doc.nodes ?? {})) {
    const node = parseNode(raw);
    const members = node?.type === 'forward' ? [node.to] : node?.type === 'huntgroup' ? node.members : [];
    for (const m of members) out.add('account' in m ? m.account : m.number);
  }
  return [...out].sort();
}

/** The transitions a simulated path took: consecutive nodes in the path. */
export function pathEdges(path: string[], edges: GraphEdge[]): Set<string> {
  const out = new Set<string>();
  for (let i = 1; i < path.length; i++) {
    const e = edges.find((x) => x.source === path[i - 1] && x.target === path[i]);
    if (e) out.add(e.id);
  }
  return out;
}
