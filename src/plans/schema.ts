import { z } from 'zod';
import { nodeIdSchema } from './fields.js';
import { announcementNodeSchema } from './nodes/announcement.js';
import { faxNodeSchema } from './nodes/fax.js';
import { forwardNodeSchema } from './nodes/forward.js';
import { hangupNodeSchema } from './nodes/hangup.js';
import { huntGroupNodeSchema } from './nodes/huntgroup.js';
import { voicemailNodeSchema } from './nodes/voicemail.js';
import { menuNodeSchema } from './nodes/menu.js';
import { scheduleNodeSchema } from './nodes/schedule.js';
import { nodesThatNeverEnd, scheduleLoops, unknownTargets, unreachableNodes } from './planGraph.js';

export type { PromptRef } from './fields.js';
export type { AnnouncementNode } from './nodes/announcement.js';
export type { FaxNode, FaxOutcome } from './nodes/fax.js';
export type { ForwardNode, ForwardTarget } from './nodes/forward.js';
export type { HangupNode, HangupCause } from './nodes/hangup.js';
export type { HuntGroupNode, HuntGroupSpec, HuntStrategy } from './nodes/huntgroup.js';
export type { VoicemailNode, VoicemailResult } from './nodes/voicemail.js';
export type { MenuNode } from './nodes/menu.js';
export type { ScheduleNode } from './nodes/schedule.js';

/**
 * A call plan ("belplan"): named nodes, one of them the start. Written as YAML in dialplans/
 * or sent as JSON through the API; the node types live in ./nodes/, one file each.
 */
export const planNodeSchema = z.discriminatedUnion('type', [
  announcementNodeSchema,
  scheduleNodeSchema,
  menuNodeSchema,
  forwardNodeSchema,
  hangupNodeSchema,
  huntGroupNodeSchema,
  voicemailNodeSchema,
  faxNodeSchema,
]);
export type PlanNode = z.infer<typeof planNodeSchema>;
export type PlanNodeType = PlanNode['type'];

export const planSchema = z.strictObject({
  name: z.string().min(1).max(100),
  description: z.string().optional(),
  start: nodeIdSchema,
  /** Where a call goes when the caller's fax machine is heard (CNG), from any node: a fax node. */
  onFaxTone: nodeIdSchema.optional(),
  nodes: z.record(nodeIdSchema, planNodeSchema).refine((n) => Object.keys(n).length > 0, 'a plan needs at least one node'),
});
export type Plan = z.infer<typeof planSchema>;

/** One problem in a plan: where (file, dotted path, line when known) and why. */
export interface PlanIssue {
  file?: string;
  path: string;
  message: string;
  /** 1-based line in the YAML source, when the plan came from a file */
  line?: number;
}

export type ParsePlanResult =
  | { ok: true; plan: Plan; warnings: PlanIssue[] }
  | { ok: false; errors: PlanIssue[]; warnings: PlanIssue[] };

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join('.');
}

function zodMessage(issue: z.core.$ZodIssue): string {
  // "required" reads better for a person than "expected string, received undefined".
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return `required (${issue.expected})`;
  if (issue.code === 'invalid_key' && issue.issues.length) return `key: ${issue.issues.map((i) => i.message).join('; ')}`;
  return issue.message;
}

/** Flattens zod issues; an unknown field is reported at its own path, so the line points at it. */
function flattenZodIssues(issues: readonly z.core.$ZodIssue[]): PlanIssue[] {
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ path: issuePath([...i.path, key]), message: `unknown field "${key}"` }))
      : [{ path: issuePath(i.path), message: zodMessage(i) }],
  );
}

/**
 * Validates a plan document (parsed YAML or JSON): the schema first, then the cross-references
 * (every target and `start` name a node, every node can reach an end, no schedule loops). All
 * errors come back at once; unreachable nodes are warnings.
 */
export function parsePlan(doc: unknown, file?: string): ParsePlanResult {
  const withFile = (issues: PlanIssue[]): PlanIssue[] => (file === undefined ? issues : issues.map((i) => ({ file, ...i })));
  const parsed = planSchema.safeParse(doc);
  if (!parsed.success) return { ok: false, errors: withFile(flattenZodIssues(parsed.error.issues)), warnings: [] };
  const plan = parsed.data;
  const unknown = unknownTargets(plan);
  // Reachability rules only make sense once every target exists.
  const errors = unknown.length ? unknown : [...nodesThatNeverEnd(plan), ...scheduleLoops(plan)];
  const warnings = unknown.length ? [] : unreachableNodes(plan);
  if (errors.length) return { ok: false, errors: withFile(errors), warnings: withFile(warnings) };
  return { ok: true, plan, warnings: withFile(warnings) };
}

/** JSON Schema (draft 2020-12) of a plan document as people write it (defaults optional). */
export function planJsonSchema(): object {
  return z.toJSONSchema(planSchema, { io: 'input', unrepresentable: 'any' });
}
