/*
 * Graceful shutdown of an app instance (SIGTERM), as real processes on one engine and one Redis:
 * the instance leaves the engine's INVITE rotation so new calls go to the other instance, its
 * calls in progress go on until SHUTDOWN_GRACE_SECONDS, then both legs of each get a BYE, their
 * CDRs are closed once (with real figures, not as crash leftovers), and it exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { describeRun, runSipp, scenario, startSipp } from '../support/sipp.js';
import { CALLS, DEMO_PASSWORD, startCluster, succeeded, waitFor, type Cluster, type Instance } from './cluster.js';

let cluster: Cluster;
let a: Instance;
let b: Instance;
let direct: { id: string; dial: string };
let hello: { id: string; dial: string };
let phonePorts: Record<string, number>;

beforeAll(async () => {
  cluster = await startCluster({ graceSeconds: 4, recoverySeconds: 3, rtpBase: 52_600 });
  // Only app-a at first, so the calls in progress are all on it.
  a = await cluster.startInstance('app-a');
  direct = await cluster.addNumber('cluster-201', '201230011');
  hello = await cluster.addNumber('cluster-hello', '201230012');
  phonePorts = await cluster.registerPhones(['201', '202']);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
}, 30_000);

function count(output: string, msg: string): number {
  return output.split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;
}

describe('SIGTERM: an instance drains before it stops', () => {
  it('sends new calls to the other instance, keeps its calls up to the deadline, then hangs up both legs with CDRs closed once and exits 0', async () => {
    const phone201 = await cluster.phone(phonePorts['201'], 2);
    // A caller on a number forwarded to 201, and phone 202 calling 201 by extension: both wait for our BYE.
    const numberCall = await cluster.call('caller-wait-bye', direct.dial, { timeoutMs: 40_000 });
    await waitFor('the number call to be put through', () => count(a.output(), 'forward answered; media bridged') === 1, 15_000);
    const extensionCall = await startSipp({
      scenario: `${CALLS}caller-wait-bye.xml`,
      remote: `127.0.0.1:${cluster.sipPort}`,
      localPort: phonePorts['202'],
      calls: 1,
      timeoutMs: 40_000,
      vars: { caller: '202' },
      extra: ['-s', '201', '-au', '202', '-ap', DEMO_PASSWORD],
    });
    await waitFor('the extension call to be answered', () => count(a.output(), 'call answered') === 1, 15_000);
    const inProgress = await cluster.openCdrs();
    expect(inProgress.map((o) => [o.instanceId, o.start.direction]).sort()).toEqual([['app-a', 'extension'], ['app-a', 'inbound']]);

    b = await cluster.startInstance('app-b');
    a.child.kill('SIGTERM');
    await waitFor('app-a to start draining', () => a.output().includes('draining: no new calls'), 10_000);

    // A new call goes to app-b; app-a's calls are still up meanwhile.
    const newCall = await succeeded(await cluster.call('caller-wait-bye', hello.dial));
    expect(newCall.successful).toBe(1);
    await waitFor('the new call’s CDR', async () => (await cluster.closedCdrs()).length === 1, 10_000);
    const [served] = await cluster.closedCdrs();
    expect(b.callIds().has(served.callId)).toBe(true);
    expect(a.callIds().has(served.callId)).toBe(false);
    expect((await cluster.openCdrs()).map((o) => o.start.id).sort()).toEqual(inProgress.map((o) => o.start.id).sort());

    // At the deadline app-a hangs up both calls (BYE to each leg) and exits 0.
    expect(await a.exited).toBe(0);
    for (const [name, run] of [['number caller', numberCall], ['extension caller', extensionCall]] as const) {
      const r = await run.done;
      expect(r.successful, `${name} got a BYE: ${describeRun(r)}`).toBe(1);
    }
    const callee = await phone201.done;
    expect(callee.successful, `phone 201 got a BYE on both calls: ${describeRun(callee)}`).toBe(2);

    // Both CDRs closed by app-a itself, once each, as answered calls (not recovered after a crash).
    expect(await cluster.openCdrs()).toEqual([]);
    const closed = await cluster.closedCdrs();
    for (const open of inProgress) {
      const records = closed.filter((c) => c.id === open.start.id);
      expect(records, `CDR of the ${open.start.direction} call`).toHaveLength(1);
      expect(records[0].disposition).toBe('answered');
      expect(records[0].recovered).toBeUndefined();
    }
  }, 120_000);

  it('lets a call end by itself while draining, refuses new calls when no other instance is left, and exits 0', async () => {
    const phone201 = await cluster.phone(phonePorts['201'], 1);
    // The caller hangs up by itself after 2 s; a BYE from us first would fail its scenario.
    const call = await cluster.call('caller-hangup', direct.dial, { holdMs: 2_000 });
    await waitFor('the call to be put through', () => count(b.output(), 'forward answered; media bridged') === 1, 15_000);
    const before = (await cluster.closedCdrs()).length;
    b.child.kill('SIGTERM');
    await waitFor('app-b to start draining', () => b.output().includes('draining: no new calls'), 10_000);

    // app-b left the rotation and no other app is connected: the engine refuses the INVITE.
    const refused = await runSipp({ scenario: scenario('uac-expect-503'), remote: `127.0.0.1:${cluster.sipPort}`, localPort: await freePort(), calls: 1, timeoutMs: 10_000, extra: ['-s', hello.dial] });
    expect(refused.successful, describeRun(refused)).toBe(1);

    expect((await call.done).successful, 'the caller hung up by itself').toBe(1);
    expect((await phone201.done).successful).toBe(1);
    expect(await b.exited).toBe(0);
    const closed = await cluster.closedCdrs();
    // The forwarded call, and the refused INVITE never reached an app (the engine answered it).
    expect(closed).toHaveLength(before + 1);
    expect(closed.at(-1)).toMatchObject({ disposition: 'answered', numberId: direct.id });
    expect(closed.at(-1)!.recovered).toBeUndefined();
    expect(await cluster.openCdrs()).toEqual([]);
  }, 90_000);
});
