import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpiryQueue, type Expiring } from '../../../src/engine/transaction/ExpiryQueue.js';

function entry(name: string, fired: string[]): Expiring & { live: boolean } {
  const e = {
    live: true,
    expire: () => fired.push(name),
    isLive: () => e.live,
  };
  return e;
}

describe('ExpiryQueue (one timer for many transactions of one timer length)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires each entry exactly its duration after it was added, in order', async () => {
    const fired: string[] = [];
    const q = new ExpiryQueue(32_000);
    q.add(entry('a', fired));
    await vi.advanceTimersByTimeAsync(10_000);
    q.add(entry('b', fired));
    q.add(entry('c', fired));
    await vi.advanceTimersByTimeAsync(22_000 - 1);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(10_000 - 1);
    expect(fired).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(q.size).toBe(0);
    // Nothing waiting: no timer left to keep anything alive.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('skips an entry that ended early, without delaying the ones behind it', async () => {
    const fired: string[] = [];
    const q = new ExpiryQueue(1_000);
    const a = entry('a', fired);
    q.add(a);
    q.add(entry('b', fired));
    a.live = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired).toEqual(['b']);
  });

  it('clear() forgets every entry and stops its timer', async () => {
    const fired: string[] = [];
    const q = new ExpiryQueue(1_000);
    q.add(entry('a', fired));
    q.clear();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fired).toEqual([]);
    q.add(entry('b', fired));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired).toEqual(['b']);
  });

  it('keeps working through many entries (the expired part of its arrays is dropped)', async () => {
    let fired = 0;
    const q = new ExpiryQueue(100);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3_000; i++) q.add({ expire: () => fired++, isLive: () => true });
      await vi.advanceTimersByTimeAsync(40);
    }
    expect(fired).toBe(9_000);
    await vi.advanceTimersByTimeAsync(100);
    expect(fired).toBe(15_000);
    expect(q.size).toBe(0);
  });

  // RFC 3261 17.2.1/17.2.2: Timers J and L count elapsed time. The fake timers move
  // performance.now() with setTimeout, and vi.setSystemTime() steps only the wall clock.
  it('a wall clock stepped forward (NTP, VM resume) does not expire waiting entries early', async () => {
    const fired: string[] = [];
    const q = new ExpiryQueue(32_000);
    q.add(entry('a', fired));
    await vi.advanceTimersByTimeAsync(10_000);
    q.add(entry('b', fired));
    await vi.advanceTimersByTimeAsync(10_000);
    vi.setSystemTime(Date.now() + 3_600_000);
    await vi.advanceTimersByTimeAsync(12_000);
    expect(fired).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(10_000 - 1);
    expect(fired).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(['a', 'b']);
  });

  it('a wall clock set back does not keep entries longer than the duration', async () => {
    const fired: string[] = [];
    const q = new ExpiryQueue(1_000);
    q.add(entry('a', fired));
    await vi.advanceTimersByTimeAsync(500);
    vi.setSystemTime(Date.now() - 3_600_000);
    q.add(entry('b', fired));
    await vi.advanceTimersByTimeAsync(500);
    expect(fired).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(500);
    expect(fired).toEqual(['a', 'b']);
  });
});
