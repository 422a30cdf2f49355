// React Flow's stylesheet comes with the editor's chunk, not the first page load.
import '@xyflow/react/dist/style.css';
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, useReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { useEffect, useMemo, useRef } from 'react';
import { useI18n } from '../i18n.js';
import { NODE_TYPE_LABELS } from './texts.js';
import { NODE_HEIGHT, NODE_WIDTH, pathEdges, planGraph, type GraphNode, type PlanDocument } from './planModel.js';

type PlanNodeData = GraphNode & { selected: boolean; onPath: boolean; hasIssue: boolean; typeLabel: string };

const COLORS = { border: '#adb5bd', selected: '#228be6', path: '#f08c00', issue: '#fa5252' };

function PlanNodeBox({ data }: NodeProps<Node<PlanNodeData>>) {
  const border = data.hasIssue ? COLORS.issue : data.onPath ? COLORS.path : data.selected ? COLORS.selected : COLORS.border;
  return (
    <div
      data-testid={`plan-node-${data.id}`}
      data-onpath={data.onPath ? 'true' : 'false'}
      data-invalid={data.hasIssue ? 'true' : 'false'}
      style={{
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        border: `2px solid ${border}`,
        borderRadius: 8,
        background: data.onPath ? '#fff4e6' : '#fff',
        padding: '6px 10px',
        fontSize: 13,
        boxSizing: 'border-box',
        boxShadow: data.selected ? `0 0 0 3px ${COLORS.selected}55` : undefined,
      }}
    >
      <Handle type="target" position={Position.Top} />
      <div style={{ fontWeight: 600, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
        {data.start ? '▶ ' : ''}
        {data.id}
      </div>
      <div style={{ color: '#868e96' }}>{data.typeLabel}</div>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

const nodeTypes = { plan: PlanNodeBox };

/**
 * fitView fits the steps there are when the graph mounts; when the layout changes (a step or a
 * transition added or deleted) the view fits again, to the laid-out boxes (their size is fixed,
 * so nothing waits for the browser to measure them).
 */
function FitWhenLayoutChanges({ nodes }: { nodes: GraphNode[] }) {
  const { fitBounds } = useReactFlow();
  // The layout moves when steps or transitions change: then the view the admin had shows nothing useful anyway.
  const layout = nodes.map((n) => `${n.id}@${Math.round(n.x)},${Math.round(n.y)}`).join(' ');
  const bounds = useRef(nodes);
  bounds.current = nodes;
  useEffect(() => {
    const all = bounds.current;
    if (all.length === 0) return;
    const x = Math.min(...all.map((n) => n.x));
    const y = Math.min(...all.map((n) => n.y));
    const width = Math.max(...all.map((n) => n.x + NODE_WIDTH)) - x;
    const height = Math.max(...all.map((n) => n.y + NODE_HEIGHT)) - y;
    void fitBounds({ x, y, width, height }, { padding: 0.1 });
  }, [layout, fitBounds]);
  return null;
}

/** An outcome as admins read it: 'options.2' → 'toets 2'. */
function outcomeLabel(outcome: string, lang: 'nl' | 'en'): string {
  const key = /^options\.(.+)$/.exec(outcome);
  if (key) return `${lang === 'nl' ? 'toets' : 'key'} ${key[1]}`;
  return outcome;
}

/**
 * The plan drawn as a graph: a box per node, an arrow per transition labelled with the outcome
 * that takes it; the simulated path in orange, nodes with problems in red.
 */
export function PlanGraph(props: { doc: PlanDocument; saved?: PlanDocument; selected?: string; path: string[]; issueNodes: Set<string>; onSelect(id: string): void }) {
  const { lang } = useI18n();
  const { doc, saved, selected, path, issueNodes, onSelect } = props;
  const graph = useMemo(() => planGraph(doc, saved), [doc, saved]);
  const onPath = useMemo(() => new Set(path), [path]);
  const litEdges = useMemo(() => pathEdges(path, graph.edges), [path, graph.edges]);

  const nodes: Node<PlanNodeData>[] = graph.nodes.map((n) => ({
    id: n.id,
    type: 'plan',
    position: { x: n.x, y: n.y },
    data: { ...n, selected: n.id === selected, onPath: onPath.has(n.id), hasIssue: n.invalid || issueNodes.has(n.id), typeLabel: NODE_TYPE_LABELS[lang][n.type] ?? n.type },
    draggable: false,
  }));
  const edges: Edge[] = graph.edges.map((e) => {
    const lit = litEdges.has(e.id);
    return {
      id: e.id,
      source: e.source,
      target: e.target,
      label: outcomeLabel(e.outcome, lang),
      animated: lit,
      markerEnd: { type: MarkerType.ArrowClosed, color: lit ? COLORS.path : undefined },
      style: lit ? { stroke: COLORS.path, strokeWidth: 3 } : undefined,
      data: { onPath: lit },
    };
  });

  return (
    <div style={{ height: 560, border: '1px solid #dee2e6', borderRadius: 8 }} data-testid="plan-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodeClick={(_e, n) => onSelect(n.id)}
        nodesConnectable={false}
        fitView
      >
        <FitWhenLayoutChanges nodes={graph.nodes} />
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
