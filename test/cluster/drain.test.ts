/*
 * The drain rule on its own (src/app/drain.ts): stop taking calls first, wait for the calls in
 * progress, hang up only what is still up when the grace period is over.
 */
import { describe, expect, it } from 'vitest';
import { drainCalls } from '../../src/app/drain.js';
import { silentLogger } from '../../src/logger.js';

interface Case {
  name: string;
  /** Calls in progress at each look (the last value repeats). */
  counts: number[];
  graceMs: number;
  hungUp: number;
}

const cases: Case[] = [
  { name: 'no calls: nothing to hang up', counts: [0], graceMs: 1_000, hungUp: 0 },
  { name: 'calls that end within the grace period are left to end', counts: [2, 2, 1, 0], graceMs: 5_000, hungUp: 0 },
  { name: 'a call still up at the deadline is hung up', counts: [2, 1], graceMs: 50, hungUp: 1 },
  { name: 'a grace period of 0 hangs up at once', counts: [3], graceMs: 0, hungUp: 3 },
];

describe('drainCalls', () => {
  it.each(cases)('$name', async ({ counts, graceMs, hungUp }) => {
    const events: string[] = [];
    let look = 0;
    const calls = {
      count: () => {
        const n = counts[Math.min(look, counts.length - 1)];
        look++;
        return n;
      },
      endAll: async () => {
        events.push('endAll');
      },
    };
    const result = await drainCalls({ calls, graceMs, pollMs: 1, logger: silentLogger(), stopTakingCalls: () => events.push('stop taking calls') });
    expect(result.hungUp).toBe(hungUp);
    expect(events).toEqual(hungUp > 0 ? ['stop taking calls', 'endAll'] : ['stop taking calls']);
  });

  it('stops waiting when the SIP server connection is gone (its calls went with it)', async () => {
    const events: string[] = [];
    const calls = { count: () => 2, endAll: async () => void events.push('endAll') };
    const result = await drainCalls({ calls, graceMs: 60_000, pollMs: 1, logger: silentLogger(), abandoned: () => true, stopTakingCalls: () => events.push('stop taking calls') });
    expect(result.hungUp).toBe(0);
    expect(events).toEqual(['stop taking calls']);
  });
});
