import { afterEach, describe, expect, it, vi } from 'vitest';
import { accountKey, ChannelLimit } from '../../src/routing/ChannelLimit.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';

describe('ChannelLimit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives out at most `limit` slots per account and takes them back on release', async () => {
    const store = new MemoryStore();
    const channels = new ChannelLimit(store.leases);
    const first = await channels.acquire('a1', 2);
    const second = await channels.acquire('a1', 2);
    const third = await channels.acquire('a1', 2);
    const elsewhere = await channels.acquire('a2', 2);

    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(third).toBeUndefined();
    expect(elsewhere).toBeDefined();
    expect(await store.leases.count(accountKey('a1'))).toBe(2);

    await first?.release();
    expect(await store.leases.count(accountKey('a1'))).toBe(1);
    expect(await channels.acquire('a1', 2)).toBeDefined();
    await store.close();
  });

  it('releases a slot once, however often release() is called', async () => {
    const store = new MemoryStore();
    const channels = new ChannelLimit(store.leases);
    const lease = await channels.acquire('a1', 2);
    const other = await channels.acquire('a1', 2);

    await Promise.all([lease?.release(), lease?.release()]);
    await lease?.release();

    expect(await store.leases.count('account:a1')).toBe(1);
    expect(other).toBeDefined();
    await store.close();
  });

  it('keeps a slot alive past its TTL while the call lasts, unlike a lease nobody renews', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    const channels = new ChannelLimit(store.leases, { ttlMs: 300 });
    const held = await channels.acquire('a1', 5);
    // A slot taken by an app instance that then died: nobody renews it.
    await store.leases.acquire(accountKey('a1'), 'orphan', 5, 300);

    await vi.advanceTimersByTimeAsync(1_000);

    expect(await store.leases.count(accountKey('a1'))).toBe(1);
    await held?.release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await store.leases.count(accountKey('a1'))).toBe(0);
    await store.close();
  });
});
