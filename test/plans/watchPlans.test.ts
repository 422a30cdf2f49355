import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchPlans, type PlanWatcher } from '../../src/plans/loadPlanFile.js';
import type { Plan, PlanIssue } from '../../src/plans/schema.js';

const planYaml = (prompt: string): string => `name: office
start: hello
nodes:
  hello:
    type: announcement
    prompts: [${prompt}]
    next: bye
  bye:
    type: hangup
`;

/** Polls until `cond` holds (at most 10 s of 20 ms steps). */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('watchPlans', () => {
  let dir = '';
  let watcher: PlanWatcher | undefined;
  afterEach(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads plans at start, reloads on change, and a bad edit never replaces the last good plan', async () => {
    dir = mkdtempSync(join(tmpdir(), 'plans-'));
    const file = join(dir, 'office.yaml');
    writeFileSync(file, planYaml('nl/welkom'));
    writeFileSync(join(dir, 'README.md'), 'not a plan');
    const loaded: Array<[string, Plan]> = [];
    const errors: Array<[string, PlanIssue[]]> = [];
    const removed: string[] = [];
    watcher = await watchPlans(dir, (f, p) => loaded.push([f, p]), (f, e) => errors.push([f, e]), { onRemove: (f) => removed.push(f), debounceMs: 10 });
    expect(loaded.map(([f]) => f)).toEqual([file]);
    const prompt = (): unknown => {
      const node = watcher?.plans().get(file)?.nodes.hello;
      return node?.type === 'announcement' ? node.prompts[0] : undefined;
    };
    expect(prompt()).toBe('nl/welkom');

    writeFileSync(file, planYaml('nl/welkom').replace('next: bye', 'next: nowhere'));
    await until('the error report', () => errors.length > 0);
    expect(errors[0][0]).toBe(file);
    expect(errors[0][1]).toEqual([{ file, path: 'nodes.hello.next', message: 'unknown node "nowhere" (nodes: hello, bye)', line: 7 }]);
    expect(prompt()).toBe('nl/welkom');
    expect(loaded).toHaveLength(1);

    writeFileSync(file, planYaml('nl/gesloten'));
    await until('the new plan', () => prompt() === 'nl/gesloten');
    expect(loaded.at(-1)?.[0]).toBe(file);

    unlinkSync(file);
    await until('the removal', () => removed.length > 0);
    expect(watcher.plans().has(file)).toBe(false);
  });

  it('an invalid file at start is reported and yields no plan', async () => {
    dir = mkdtempSync(join(tmpdir(), 'plans-'));
    writeFileSync(join(dir, 'broken.yml'), 'name: [unclosed\n');
    const errors: string[] = [];
    watcher = await watchPlans(dir, () => undefined, (f) => errors.push(f));
    expect(errors).toEqual([join(dir, 'broken.yml')]);
    expect(watcher.plans().size).toBe(0);
  });
});
