import type { PlanRecord, PlanVersion } from '../store/StoreTypes.js';

/** True when any string in the plan document equals `promptRef` (prompt lists sit at several paths per node type). */
export function planUsesPrompt(plan: unknown, promptRef: string): boolean {
  if (plan === promptRef) return true;
  if (Array.isArray(plan)) return plan.some((v) => planUsesPrompt(v, promptRef));
  if (plan !== null && typeof plan === 'object') return Object.values(plan).some((v) => planUsesPrompt(v, promptRef));
  return false;
}

/**
 * The versions that still matter for a prompt: the live one and drafts saved after it (all of
 * them when nothing is live). Older versions are history; restoring one whose prompt is gone
 * plays without it (an announcement that cannot play carries on with the plan).
 */
export function currentVersions(plan: PlanRecord, versions: PlanVersion[]): PlanVersion[] {
  const live = plan.liveVersion ?? 0;
  return versions.filter((v) => v.version >= live);
}
