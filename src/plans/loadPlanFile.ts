import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { parsePlan, type ParsePlanResult, type Plan, type PlanIssue } from './schema.js';

/**
 * Plan files: YAML in dialplans/, one plan per file. Errors carry the file, the dotted path and
 * the line, so `file:line path: message` points a person at the exact spot.
 */

export const PLAN_FILE = /\.ya?ml$/;

/** The YAML node at a dotted path, or the deepest ancestor that exists (a missing key reports at its parent). */
function nodeAt(root: unknown, path: string): YamlNode | undefined {
  let node = root as YamlNode | undefined;
  if (!path) return node;
  for (const seg of path.split('.')) {
    let child: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === seg);
      child = pair?.value;
    } else if (isSeq(node)) {
      child = node.items[Number(seg)];
    }
    if (!child || typeof child !== 'object' || !('range' in child)) return node;
    node = child as YamlNode;
  }
  return node;
}

/** Parses plan YAML text: YAML syntax errors and plan errors alike come back with lines. */
export function parsePlanYaml(text: string, file?: string): ParsePlanResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ ...(file !== undefined && { file }), path: '', message: e.message, line: lineCounter.linePos(e.pos[0]).line })),
      warnings: [],
    };
  }
  const result = parsePlan(doc.toJS(), file);
  const withLine = (i: PlanIssue): PlanIssue => {
    const range = nodeAt(doc.contents, i.path)?.range;
    return range ? { ...i, line: lineCounter.linePos(range[0]).line } : i;
  };
  return result.ok
    ? { ...result, warnings: result.warnings.map(withLine) }
    : { ...result, errors: result.errors.map(withLine), warnings: result.warnings.map(withLine) };
}

export async function loadPlanFile(file: string): Promise<ParsePlanResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [{ file, path: '', message: `cannot read: ${(err as Error).message}` }], warnings: [] };
  }
  return parsePlanYaml(text, file);
}

/** `file:line path: message`, the way compilers print it. */
export function formatIssue(i: PlanIssue): string {
  const where = [i.file, i.line].filter((x) => x !== undefined).join(':');
  return `${where ? `${where} ` : ''}${i.path || '(plan)'}: ${i.message}`;
}

export interface PlanWatcher {
  /** The last good plan of each file, by full path. */
  plans(): ReadonlyMap<string, Plan>;
  close(): void;
}

export interface WatchOptions {
  /** A plan file was deleted (its plan is dropped). */
  onRemove?: (file: string) => void;
  /** Editors write in bursts; wait this long after the last event before reading. */
  debounceMs?: number;
}

/**
 * Loads every plan file in `dir`, then reloads a file when it changes. A file that fails to
 * parse or validate is reported through onError and never replaces the last good plan of that
 * file: calls keep getting the plan that worked.
 */
export async function watchPlans(
  dir: string,
  onPlan: (file: string, plan: Plan) => void,
  onError: (file: string, errors: PlanIssue[]) => void,
  options: WatchOptions = {},
): Promise<PlanWatcher> {
  const good = new Map<string, Plan>();
  const timers = new Map<string, NodeJS.Timeout>();
  // Reads can overlap when a file changes again mid-read; only the newest read may apply.
  const latestRead = new Map<string, number>();
  let reads = 0;
  let closed = false;

  const load = async (file: string): Promise<void> => {
    const read = ++reads;
    latestRead.set(file, read);
    const result = await loadPlanFile(file);
    if (closed || latestRead.get(file) !== read) return;
    if (result.ok) {
      good.set(file, result.plan);
      onPlan(file, result.plan);
      return;
    }
    const gone = result.errors.some((e) => /ENOENT/.test(e.message));
    if (gone && good.delete(file)) options.onRemove?.(file);
    else if (!gone) onError(file, result.errors);
  };

  for (const name of (await readdir(dir)).filter((n) => PLAN_FILE.test(n)).sort()) await load(join(dir, name));

  const watcher: FSWatcher = watch(dir, (_event, name) => {
    if (closed || !name || !PLAN_FILE.test(name)) return;
    const file = join(dir, name);
    clearTimeout(timers.get(file));
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file);
        void load(file);
      }, options.debounceMs ?? 50),
    );
  });

  return {
    plans: () => good,
    close: () => {
      closed = true;
      watcher.close();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
