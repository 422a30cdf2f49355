import type { NodeTarget } from './fields.js';
import { announcementTargets } from './nodes/announcement.js';
import { faxEndsCall, faxTargets } from './nodes/fax.js';
import { forwardTargets } from './nodes/forward.js';
import { hangupTargets } from './nodes/hangup.js';
import { huntGroupTargets } from './nodes/huntgroup.js';
import { menuTargets } from './nodes/menu.js';
import { scheduleTargets } from './nodes/schedule.js';
import { voicemailEndsCall, voicemailTargets } from './nodes/voicemail.js';
import type { Plan, PlanIssue, PlanNode } from './schema.js';

/**
 * The plan as a graph: cross-reference rules that zod cannot express per field. Pure functions
 * over a schema-valid plan; each returns issues with dotted paths.
 */

export function nodeTargets(node: PlanNode): NodeTarget[] {
  switch (node.type) {
    case 'announcement':
      return announcementTargets(node);
    case 'schedule':
      return scheduleTargets(node);
    case 'menu':
      return menuTargets(node);
    case 'forward':
      return forwardTargets(node);
    case 'hangup':
      return hangupTargets(node);
    case 'huntgroup':
      return huntGroupTargets(node);
    case 'voicemail':
      return voicemailTargets(node);
    case 'fax':
      return faxTargets(node);
  }
}

/** Nodes where a call can end: a hangup, or a forward or hunt group that is answered. */
function isEnd(node: PlanNode): boolean {
  return node.type === 'hangup' || node.type === 'forward' || node.type === 'huntgroup' || (node.type === 'voicemail' && voicemailEndsCall(node)) || (node.type === 'fax' && faxEndsCall(node));
}

/** Every target names a node, and `start` does. */
export function unknownTargets(plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = [];
  if (!(plan.start in plan.nodes)) issues.push({ path: 'start', message: `unknown node "${plan.start}"${known(plan)}` });
  if (plan.onFaxTone !== undefined && plan.nodes[plan.onFaxTone]?.type !== 'fax') {
    issues.push({ path: 'onFaxTone', message: plan.onFaxTone in plan.nodes ? `node "${plan.onFaxTone}" is not a fax node` : `unknown node "${plan.onFaxTone}"${known(plan)}` });
  }
  for (const [id, node] of Object.entries(plan.nodes)) {
    for (const t of nodeTargets(node)) {
      if (!(t.target in plan.nodes)) issues.push({ path: `nodes.${id}.${t.key}`, message: `unknown node "${t.target}"${known(plan)}` });
    }
  }
  return issues;
}

function known(plan: Plan): string {
  const ids = Object.keys(plan.nodes);
  return ids.length ? ` (nodes: ${ids.join(', ')})` : '';
}

/** Node ids reachable from `start` (targets that do not exist are ignored). */
export function reachableFromStart(plan: Plan): Set<string> {
  const seen = new Set<string>();
  const queue = [plan.start, ...(plan.onFaxTone !== undefined ? [plan.onFaxTone] : [])].filter((id) => id in plan.nodes);
  while (queue.length) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const t of nodeTargets(plan.nodes[id])) if (t.target in plan.nodes) queue.push(t.target);
  }
  return seen;
}

/** A node the call can never enter. Harmless at run time, so a warning (a draft branch, a typo in a target). */
export function unreachableNodes(plan: Plan): PlanIssue[] {
  const reachable = reachableFromStart(plan);
  return Object.keys(plan.nodes)
    .filter((id) => !reachable.has(id))
    .map((id) => ({ path: `nodes.${id}`, message: `node "${id}" is never reached from start "${plan.start}"` }));
}

/** A node from which no hangup or forward can be reached keeps the caller in a loop forever. */
export function nodesThatNeverEnd(plan: Plan): PlanIssue[] {
  const ends = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const [id, node] of Object.entries(plan.nodes)) {
      if (ends.has(id)) continue;
      if (isEnd(node) || nodeTargets(node).some((t) => ends.has(t.target))) {
        ends.add(id);
        changed = true;
      }
    }
  }
  return Object.keys(plan.nodes)
    .filter((id) => !ends.has(id))
    .map((id) => ({ path: `nodes.${id}`, message: `node "${id}" reaches no hangup or forward: the call would never end` }));
}

/**
 * Schedule nodes take no time, so a cycle made only of schedules would spin without end at run
 * time. Reported once per cycle, at its first node in plan order.
 */
export function scheduleLoops(plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const reported = new Set<string>();
  for (const [id, node] of Object.entries(plan.nodes)) {
    if (node.type !== 'schedule' || reported.has(id)) continue;
    const cycle = findScheduleCycle(plan, id, [id]);
    if (cycle) {
      cycle.forEach((c) => reported.add(c));
      issues.push({ path: `nodes.${id}`, message: `schedules loop without waiting: ${[...cycle, id].join(' -> ')}` });
    }
  }
  return issues;
}

function findScheduleCycle(plan: Plan, start: string, trail: string[]): string[] | undefined {
  const node = plan.nodes[trail[trail.length - 1]];
  for (const t of nodeTargets(node)) {
    const next = plan.nodes[t.target];
    if (next?.type !== 'schedule') continue;
    if (t.target === start) return trail;
    if (trail.includes(t.target)) continue;
    const found = findScheduleCycle(plan, start, [...trail, t.target]);
    if (found) return found;
  }
  return undefined;
}
