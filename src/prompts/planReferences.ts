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

/**
 * Uploaded prompts a plan names that belong to another customer, with their paths in the
 * document: a plan may only play its own customer's uploads ('custom/<customerId>/<id>').
 */
export function foreignPromptRefs(plan: unknown, customerId: string, path = ''): Array<{ path: string; ref: string }> {
  if (typeof plan === 'string') {
    const m = /^custom\/([^/]+)\//.exec(plan);
    return m && m[1] !== customerId ? [{ path, ref: plan }] : [];
  }
  const join = (k: string | number) => (path === '' ? String(k) : `${path}.${k}`);
  if (Array.isArray(plan)) return plan.flatMap((v, i) => foreignPromptRefs(v, customerId, join(i)));
  if (plan !== null && typeof plan === 'object') {
    return Object.entries(plan).flatMap(([k, v]) => foreignPromptRefs(v, customerId, join(k)));
  }
  return [];
}
