/*
 * Two app instances on one SIP engine and one Redis, as real processes: the engine hands new
 * INVITEs to them in turn, and everything the calls share (registrations, channel leases, the
 * hunt group's round-robin pointer, CDRs) lives in Redis. One instance is killed mid-call; the
 * other keeps serving and closes the dead one's open CDR once its heartbeat has stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CUSTOMER } from '../../src/calls/demo.js';
import { describeRun, type RunningSipp } from '../support/sipp.js';
import { startCluster, succeeded, waitFor, type Cluster, type Instance } from './cluster.js';

let cluster: Cluster;
let a: Instance;
let b: Instance;
let team: { id: string; dial: string };
let direct: { id: string; dial: string };
let phonePorts: Record<string, number>;
/** Calls made to our numbers; each must leave exactly one closed CDR. */
let callsMade = 0;
/** The instance killed mid-call (restarted by the last test). */
let killed: Instance;

beforeAll(async () => {
  cluster = await startCluster({ graceSeconds: 5, recoverySeconds: 3, rtpBase: 52_000 });
  // Both at once: the demo seeding must not race (one demo customer, no clash on 201/202).
  [a, b] = await Promise.all([cluster.startInstance('app-a'), cluster.startInstance('app-b')]);
  team = await cluster.addNumber('cluster-team', '201230001');
  direct = await cluster.addNumber('cluster-201', '201230002');
  phonePorts = await cluster.registerPhones(['201', '202']);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
}, 30_000);

/** The Call-ID SIPp gives the first call of a run ([call_id]: call number, pid, address). */
function sippCallId(run: RunningSipp): string {
  return `1-${run.pid}@127.0.0.1`;
}

/** The instance that logged a call, by its Call-ID. */
function handler(callId: string): string {
  const by = [a, b].filter((i) => i.callIds().has(callId)).map((i) => i.name);
  expect(by, `instances that handled ${callId}`).toHaveLength(1);
  return by[0];
}

async function closedCount(): Promise<number> {
  return (await cluster.closedCdrs()).length;
}

describe('two app instances on one engine and one Redis', () => {
  it('seeded one demo customer although both instances started at once', async () => {
    const demos = (await cluster.store.customers.list()).filter((c) => c.name === DEMO_CUSTOMER);
    expect(demos).toHaveLength(1);
  });

  it('spreads calls over both instances, and the hunt group takes turns across them', async () => {
    const phones = await Promise.all(['201', '202'].map((u) => cluster.phone(phonePorts[u], 2)));
    const answeredBy: string[] = [];
    const instances: string[] = [];
    for (let i = 0; i < 4; i++) {
      const before = await closedCount();
      await succeeded(await cluster.call('caller-hangup', team.dial, { holdMs: 500 }));
      callsMade++;
      await waitFor('the call’s CDR', async () => (await closedCount()) > before, 10_000);
      const cdr = (await cluster.closedCdrs()).at(-1)!;
      answeredBy.push(cdr.answeredBy?.account ?? '-');
      instances.push(handler(cdr.callId));
    }
    // The engine offers INVITEs to the two apps in turn.
    expect(new Set(instances)).toEqual(new Set(['app-a', 'app-b']));
    for (let i = 1; i < 4; i++) expect(instances[i]).not.toBe(instances[i - 1]);
    // Each call starts after the member who answered the previous one, whichever instance that was.
    expect(answeredBy).toEqual(['201', '202', '201', '202']);
    for (const p of phones) expect((await p.done).successful, 'phone calls answered').toBe(2);
  }, 90_000);

  it('reaches a phone from calls on either instance, whichever instance took its REGISTER', async () => {
    const phone = await cluster.phone(phonePorts['201'], 2);
    const instances: string[] = [];
    for (let i = 0; i < 2; i++) {
      const before = await closedCount();
      await succeeded(await cluster.call('caller-hangup', direct.dial, { holdMs: 300 }));
      callsMade++;
      await waitFor('the call’s CDR', async () => (await closedCount()) > before, 10_000);
      const cdr = (await cluster.closedCdrs()).at(-1)!;
      expect(cdr.answeredBy).toEqual({ account: '201' });
      instances.push(handler(cdr.callId));
    }
    expect(new Set(instances)).toEqual(new Set(['app-a', 'app-b']));
    expect((await phone.done).successful).toBe(2);
  }, 60_000);

  it('holds the two-channel limit of a number across both instances, keeps serving when one is killed mid-call, and closes its CDR once', async () => {
    const phone = await cluster.phone(phonePorts['201'], 3);
    // Two long calls, one on each instance (the engine alternates).
    const first = await cluster.call('caller-hangup', direct.dial, { holdMs: 60_000, timeoutMs: 70_000 });
    await waitFor('the first call to take a channel', async () => (await cluster.store.leases.count(`number:${direct.id}`)) === 1, 10_000);
    const second = await cluster.call('caller-hangup', direct.dial, { holdMs: 6_000 });
    callsMade += 2;
    await waitFor('both calls to take a channel', async () => (await cluster.store.leases.count(`number:${direct.id}`)) === 2, 10_000);
    const open = await cluster.openCdrs();
    expect(open.map((o) => o.instanceId).sort()).toEqual(['app-a', 'app-b']);

    // A third and a fourth call, one reaching each instance: both refused.
    for (let i = 0; i < 2; i++) {
      const refused = await (await cluster.call('caller-expect-486', direct.dial)).done;
      callsMade++;
      expect(refused.successful, describeRun(refused)).toBe(1);
    }

    // The instance carrying the first (long) call dies; the other keeps its call and takes the next one.
    const dead = open.find((o) => o.start.callId === sippCallId(first))!;
    expect(dead).toBeDefined();
    const [victim, survivor] = dead.instanceId === 'app-a' ? [a, b] : [b, a];
    victim.child.kill('SIGKILL');
    await victim.exited;
    expect((await second.done).successful, `the call on ${survivor.name} goes on to its end`).toBe(1);
    const before = await closedCount();
    // The dead instance's channel still counts until its lease lapses; app-b's call freed the other.
    await succeeded(await cluster.call('caller-hangup', direct.dial, { holdMs: 300 }));
    callsMade++;
    await waitFor('the new call’s CDR', async () => (await closedCount()) > before, 10_000);
    expect(handler((await cluster.closedCdrs()).at(-1)!.callId)).toBe(survivor.name);
    killed = victim;

    // app-a's heartbeat has stopped: app-b closes its open record (CDR_RECOVERY_SECONDS=3), once.
    await waitFor('the dead instance’s CDR to be recovered', async () => (await cluster.openCdrs()).length === 0, 20_000);
    const recovered = (await cluster.closedCdrs()).filter((c) => c.id === dead.start.id);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ callId: dead.start.callId, disposition: 'failed', recovered: true, billableSeconds: 0 });
    first.kill();
    phone.kill();
    await Promise.all([first.done, phone.done]);
  }, 120_000);

  it('restarts the killed instance without writing any CDR twice, and no call lost its CDR', async () => {
    const countBefore = await closedCount();
    const restarted = await cluster.startInstance(killed.name);
    if (killed === a) a = restarted;
    else b = restarted;
    const phone = await cluster.phone(phonePorts['201'], 2);
    for (let i = 0; i < 2; i++) {
      await succeeded(await cluster.call('caller-hangup', direct.dial, { holdMs: 300 }));
      callsMade++;
    }
    await waitFor('the two new CDRs', async () => (await closedCount()) === countBefore + 2, 10_000);
    const all = await cluster.closedCdrs();
    expect(all).toHaveLength(callsMade);
    expect(new Set(all.map((c) => c.id)).size).toBe(callsMade);
    expect(new Set(all.map((c) => c.callId)).size).toBe(callsMade);
    expect(await cluster.openCdrs()).toEqual([]);
    // Both instances again: the restarted one took one of the two calls.
    expect(new Set(all.slice(-2).map((c) => handler(c.callId)))).toEqual(new Set(['app-a', 'app-b']));
    expect((await phone.done).successful).toBe(2);
  }, 90_000);
});
