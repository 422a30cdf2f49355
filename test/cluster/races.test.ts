/*
 * Two app instances acting on one Redis at the same moment: each "instance" here is its own
 * client (its own RedisStore or CDR log connection), and the two operations are sent together.
 * Whatever order Redis runs them in, the shared state must come out right.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_CUSTOMER, DEMO_NUMBER, seedDemo } from '../../src/calls/demo.js';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import type { CdrStart } from '../../src/cdr/CdrTypes.js';
import { loadRateFile } from '../../src/cdr/rates.js';
import { RedisCdrLog } from '../../src/cdr/RedisCdrLog.js';
import { silentLogger } from '../../src/logger.js';
import { ChannelLimit } from '../../src/routing/ChannelLimit.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import type { Registration } from '../../src/store/StoreTypes.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const logger = silentLogger();
let redis: TestRedis;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
  await redis?.stop();
});

/** Two instances' stores on one namespace. */
async function twoStores(): Promise<[RedisStore, RedisStore]> {
  const prefix = `race:${randomUUID()}:`;
  const open = async (): Promise<RedisStore> => {
    const s = new RedisStore(redis.url, logger, { keyPrefix: prefix });
    if (!(await s.waitUntilReady(5000))) throw new Error(`test redis at ${redis.url} not ready`);
    closers.push(() => s.close());
    return s;
  };
  return [await open(), await open()];
}

function binding(accountId: string, cseq: number): Registration {
  return {
    accountId,
    contact: 'sip:201@127.0.0.1:5070',
    source: { protocol: 'udp', host: '127.0.0.1', port: 5070 },
    callId: 'refresh-call-id',
    cseq,
    expiresAt: Date.now() + 60_000 + cseq * 1000,
    registeredAt: Date.now(),
  };
}

describe('two instances at the same moment', () => {
  it('keeps the newest refresh of a phone registration when instances store refreshes out of order', async () => {
    const [a, b] = await twoStores();
    // One phone's refreshes (CSeq 1..20 of one Call-ID) handled by two instances, stored in any order.
    const cseqs = Array.from({ length: 20 }, (_, i) => i + 1).reverse();
    await Promise.all(cseqs.map((cseq, i) => (i % 2 === 0 ? a : b).locations.save(binding('acc-1', cseq))));
    const [stored] = await a.locations.list('acc-1');
    expect(stored.cseq).toBe(20);

    // A late refresh that arrives after a newer one was stored does not roll it back.
    await b.locations.save(binding('acc-1', 7));
    expect((await a.locations.list('acc-1'))[0].cseq).toBe(20);
    // A new registration (another Call-ID) replaces the binding whatever its CSeq.
    await b.locations.save({ ...binding('acc-1', 1), callId: 'reboot-call-id' });
    expect((await a.locations.list('acc-1'))[0]).toMatchObject({ callId: 'reboot-call-id', cseq: 1 });
  });

  it('gives out exactly two channels of a number when both instances take calls to it at once', async () => {
    const [a, b] = await twoStores();
    const limits = [new ChannelLimit(a.leases), new ChannelLimit(b.leases)];
    const leases = await Promise.all(Array.from({ length: 8 }, (_, i) => limits[i % 2].acquireKey('number:n-1', 2)));
    const taken = leases.filter((l) => l !== undefined);
    expect(taken).toHaveLength(2);
    expect(await a.leases.count('number:n-1')).toBe(2);
    await Promise.all(taken.map((l) => l!.release()));
    expect(await b.leases.count('number:n-1')).toBe(0);
  });

  it('numbers plan versions saved on two instances at once uniquely, and publishes one of them whole', async () => {
    const [a, b] = await twoStores();
    const customer = await a.customers.create({ name: 'Huisartsenpost', status: 'active', creditLimitCents: 10_000 });
    const plan = await a.plans.create({ customerId: customer.id, name: 'Hoofdnummer' });
    const versions = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).plans.addVersion(plan.id, { name: `v${i}` }, `editor-${i}`)));
    expect(versions.map((v) => v.version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Two admins publish different versions at the same moment: the plan ends up on one of them.
    const [liveA, liveB] = await Promise.all([a.plans.setLive(plan.id, 3), b.plans.setLive(plan.id, 7)]);
    expect([liveA?.liveVersion, liveB?.liveVersion]).toEqual([3, 7]);
    expect([3, 7]).toContain((await a.plans.get(plan.id))?.liveVersion);
  });

  it('keeps the latest activity of a hunt group member when instances report it out of order', async () => {
    const [a, b] = await twoStores();
    await Promise.all([a.huntGroups.ended('c-1', 'account:201', 5_000), b.huntGroups.ended('c-1', 'account:201', 3_000), a.huntGroups.ended('c-1', 'account:201', 4_000)]);
    await Promise.all([a.huntGroups.answered('c-1', 'team', 'account:202', 9_000), b.huntGroups.ended('c-1', 'account:202', 8_000)]);
    const memory = await b.huntGroups.get('c-1', 'team', ['account:201', 'account:202']);
    expect(memory).toEqual({ lastAnswered: 'account:202', lastActivity: { 'account:201': 5_000, 'account:202': 9_000 } });
  });

  it('seeds one demo customer when two instances start at once', async () => {
    const [a, b] = await twoStores();
    const secrets = new SecretBox(Buffer.alloc(32, 7));
    const [seedA, seedB] = await Promise.all([seedDemo(a, secrets, { password: 'demo-password-1' }), seedDemo(b, secrets, { password: 'demo-password-1' })]);
    const demos = (await a.customers.list()).filter((c) => c.name === DEMO_CUSTOMER);
    expect(demos).toHaveLength(1);
    expect([seedA.customerId, seedB.customerId]).toEqual([demos[0].id, demos[0].id]);
    // Each account and the number exist once, made by whichever instance seeded.
    expect(seedA.createdAccounts.length + seedB.createdAccounts.length).toBe(DEMO_ACCOUNTS.length);
    expect([seedA.numberCreated, seedB.numberCreated].filter(Boolean)).toHaveLength(1);
    expect((await b.numbers.getByE164(DEMO_NUMBER))?.customerId).toBe(demos[0].id);
    for (const a2 of DEMO_ACCOUNTS) expect((await b.accounts.getByUsername(a2.username))?.customerId).toBe(demos[0].id);
  });

  it('closes a crashed instance’s open CDR once when two surviving instances recover it at once', async () => {
    const keyPrefix = `race:${randomUUID()}:`;
    const logs = [0, 1, 2].map(() => new RedisCdrLog(redis.url, logger, { keyPrefix }));
    closers.push(...logs.map((l) => () => l.shutdown()));
    const rates = await loadRateFile(undefined);
    const start: CdrStart = {
      id: randomUUID(),
      callId: 'call-of-the-crashed-instance',
      direction: 'inbound',
      customerId: 'c-1',
      numberId: 'n-1',
      called: '+319001234567',
      calledType: '0900',
      caller: { number: '0612345678', restricted: false },
      startedAt: Date.now() - 5000,
    };
    // The crashed instance's last heartbeat is long past the recovery timeout.
    await logs[0].heartbeat('crashed', Date.now() - 120_000);
    await logs[0].open({ start, instanceId: 'crashed' });

    const survivors = await Promise.all(
      ['survivor-a', 'survivor-b'].map((instanceId, i) => CdrRecorder.start({ log: logs[i + 1], rates, logger, instanceId, staleMs: 3000, heartbeatMs: 60_000 })),
    );
    closers.push(...survivors.map((r) => () => r.stop()));
    // Both start() calls already ran a recovery pass at the same time; run two more together.
    await Promise.all(survivors.map((r) => r.recover()));

    const closed = (await logs[0].readAll()).filter((c) => c.callId === start.callId);
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ disposition: 'failed', recovered: true });
    expect(await logs[0].openRecords()).toEqual([]);
  });

  it('writes a CDR once when the call ends on its instance while another instance recovers it', async () => {
    const keyPrefix = `race:${randomUUID()}:`;
    const logs = [new RedisCdrLog(redis.url, logger, { keyPrefix }), new RedisCdrLog(redis.url, logger, { keyPrefix })];
    closers.push(...logs.map((l) => () => l.shutdown()));
    const rates = await loadRateFile(undefined);
    // An instance whose heartbeat went stale (a long pause) although its call is still up.
    const slow = await CdrRecorder.start({ log: logs[0], rates, logger, instanceId: 'slow', staleMs: 3000, heartbeatMs: 60_000, now: () => Date.now() - 120_000 });
    closers.push(() => slow.stop());
    const start = slow.open({ callId: 'slow-call', direction: 'extension', customerId: 'c-1', accountId: 'a-1', called: '202', calledType: 'extension', caller: { number: '201', restricted: false }, startedAt: Date.now() });
    const other = await CdrRecorder.start({ log: logs[1], rates, logger, instanceId: 'other', staleMs: 3000, heartbeatMs: 60_000 });
    closers.push(() => other.stop());
    const [ended] = await Promise.all([slow.close(start, { endedAt: Date.now(), disposition: 'answered', answeredAt: Date.now() }), other.recover()]);

    const closed = (await logs[0].readAll()).filter((c) => c.callId === 'slow-call');
    expect(closed).toHaveLength(1);
    // Whichever won, the record says so consistently: the call's own figures or a recovery.
    expect(closed[0].recovered === true).toBe(ended === undefined);
  });
});
