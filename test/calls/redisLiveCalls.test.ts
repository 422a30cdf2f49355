/*
 * Live calls of several app instances through Redis: any instance lists every instance's calls,
 * a call that ends leaves the list, and the calls of an instance that stops refreshing (it died)
 * leave with its key's TTL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveCallList, type LiveCallEntry } from '../../src/calls/LiveCallList.js';
import { RedisLiveCalls } from '../../src/calls/RedisLiveCalls.js';
import { silentLogger } from '../../src/logger.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let redis: TestRedis;
const stops: Array<() => Promise<void>> = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await redis.stop();
});

function instance(id: string, opts: { ttlMs?: number; follow?: boolean } = {}): { list: LiveCallList; shared: RedisLiveCalls } {
  const list = new LiveCallList();
  const shared = new RedisLiveCalls(redis.url, id, silentLogger(), { keyPrefix: 'lc:', ...(opts.ttlMs ? { ttlMs: opts.ttlMs } : {}) });
  if (opts.follow === false) list.mirrorTo(shared);
  else shared.follow(list);
  stops.push(() => shared.stop());
  return { list, shared };
}

const call = (callId: string, startedAt: number) => ({
  callId, kind: 'number' as const, customerId: 'k1', called: '+319091234567', caller: { number: '0612345678', restricted: callId === 'b1' }, state: 'in-plan' as const, startedAt,
});

/** Waits (bounded) until `shared` lists exactly these call ids. */
async function listed(shared: RedisLiveCalls, ids: string[]): Promise<LiveCallEntry[]> {
  let seen = await shared.list();
  for (let i = 0; i < 200 && JSON.stringify(seen.map((c) => c.callId)) !== JSON.stringify(ids); i++) {
    await new Promise((r) => setTimeout(r, 20));
    seen = await shared.list();
  }
  return seen;
}

describe('live calls shared through Redis', () => {
  it("lists every instance's calls on any instance, with plan nodes, and drops a call that ended", async () => {
    const a = instance('app-a');
    const b = instance('app-b');
    a.list.start(call('a1', 1000));
    b.list.start(call('b1', 2000));
    b.list.update('b1', { node: 'keuzemenu', nodeType: 'menu' });
    const both = await listed(a.shared, ['a1', 'b1']);
    expect(both.map((c) => [c.callId, c.caller, c.node ?? null])).toEqual([
      ['a1', '0612345678', null],
      ['b1', 'anonymous', 'keuzemenu'],
    ]);
    a.list.end('a1');
    expect((await listed(b.shared, ['b1'])).map((c) => c.callId)).toEqual(['b1']);
    await b.shared.stop();
    expect(await listed(a.shared, [])).toEqual([]);
  });

  it('drops the calls of an instance that stopped refreshing once its TTL is over', async () => {
    const reader = instance('app-reader');
    const dead = instance('app-dead', { ttlMs: 300, follow: false });
    dead.list.start(call('d1', 3000));
    expect((await listed(reader.shared, ['d1'])).map((c) => c.callId)).toEqual(['d1']);
    expect(await listed(reader.shared, [])).toEqual([]);
  });
});
