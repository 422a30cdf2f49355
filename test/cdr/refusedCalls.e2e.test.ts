/*
 * "A CDR for every call, answered or not" (issue 8) for calls from phones that never get
 * routed: an authenticated phone that dials something that is neither an extension nor a
 * number (404), an external number while no trunk is configured (503), or while its account is
 * at its channel limit (486). Each leaves a CDR with its disposition. A failed digest
 * authentication is not a call: it leaves nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSipServices } from '../../src/app/sipServices.js';
import { phoneCallHooks } from '../../src/cdr/callRecords.js';
import { CdrRecorder } from '../../src/cdr/CdrRecorder.js';
import type { Cdr } from '../../src/cdr/CdrTypes.js';
import { FileCdrLog } from '../../src/cdr/FileCdrLog.js';
import { DEFAULT_RATES } from '../../src/cdr/rates.js';
import { silentLogger } from '../../src/logger.js';
import { ChannelLimit } from '../../src/routing/ChannelLimit.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import type { Account } from '../../src/store/StoreTypes.js';
import { startEngineWithApp, type EngineWithApp } from '../support/engine.js';
import { freePort } from '../support/ports.js';
import { describeRun, killAllSipp, runSipp } from '../support/sipp.js';
import { disconnect } from '../support/srf.js';

const CALLS = new URL('../scenarios/calls/', import.meta.url).pathname;
const PASSWORD = 'phone-password-201';

let app: EngineWithApp;
let store: MemoryStore;
let log: FileCdrLog;
let recorder: CdrRecorder;
let dir: string;
let caller: Account;

beforeAll(async () => {
  app = await startEngineWithApp({ secret: 'cdr-refused' });
  const logger = silentLogger();
  store = new MemoryStore();
  const secretKey = randomBytes(32);
  const secrets = new SecretBox(secretKey);
  dir = mkdtempSync(join(tmpdir(), 'cs-cdr-refused-'));
  log = await FileCdrLog.open(dir, logger);
  recorder = await CdrRecorder.start({ log, rates: DEFAULT_RATES, logger, instanceId: 'test' });
  // No trunk: calls to external numbers get 503.
  const services = buildSipServices({
    store,
    secrets,
    secretKey,
    settings: { domain: 'contactsuite.test', register: { minExpires: 60, maxExpires: 3600 }, authThrottle: { maxFailures: 10, blockSeconds: 300 } },
    logger,
    phoneCalls: phoneCallHooks(recorder, undefined, logger),
  });
  app.srf.use('invite', services.invite);
  const customer = await store.customers.create({ name: 'Kapsalon Knip', status: 'active', creditLimitCents: 10_000 });
  caller = await store.accounts.create({ customerId: customer.id, username: '201', displayName: 'Balie', passwordEnc: secrets.encrypt(PASSWORD), channelLimit: 1 });
  await store.accounts.create({ customerId: customer.id, username: '202', displayName: 'Achter', passwordEnc: secrets.encrypt('phone-password-202'), channelLimit: 2 });
}, 30_000);

afterAll(async () => {
  killAllSipp();
  disconnect(app.srf);
  await recorder?.stop();
  await log?.shutdown();
  await app?.engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function cdrsFor(called: string, count = 1): Promise<Cdr[]> {
  for (let i = 0; i < 250; i++) {
    const found = (await log.readAll()).filter((c) => c.called === called);
    if (found.length >= count) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`expected ${count} CDRs for calls to ${called}, got ${(await log.readAll()).filter((c) => c.called === called).length}`);
}

const dial = async (number: string, expected: string, password = PASSWORD) =>
  runSipp({
    scenario: `${CALLS}caller-fail.xml`,
    remote: `127.0.0.1:${app.sipPort}`,
    localPort: await freePort(),
    calls: 1,
    timeoutMs: 20_000,
    vars: { caller: '201', expected },
    extra: ['-s', number, '-au', '201', '-ap', password],
  });

describe('call attempts refused before routing', () => {
  it('a number that is neither an extension nor a phone number: a failed CDR with 404', async () => {
    const call = await dial('9876', '404');
    expect(call.successful, describeRun(call)).toBe(1);
    const [cdr] = await cdrsFor('9876');
    expect(cdr).toMatchObject({ direction: 'outbound', customerId: caller.customerId, accountId: caller.id, disposition: 'failed', sipStatus: 404, billableSeconds: 0, chargeInclVatCents: 0 });
  }, 30_000);

  it('an external number without a trunk: a failed CDR with 503', async () => {
    const call = await dial('0201234567', '503');
    expect(call.successful, describeRun(call)).toBe(1);
    const [cdr] = await cdrsFor('+31201234567');
    expect(cdr).toMatchObject({ direction: 'outbound', calledType: 'nl-fixed', disposition: 'failed', sipStatus: 503, chargeInclVatCents: 0 });
  }, 30_000);

  it('at the account\'s channel limit: a CDR refused by the channel limit (486)', async () => {
    // The account's one channel is taken (a call on another app instance, say).
    const held = await new ChannelLimit(store.leases).acquire(caller.id, caller.channelLimit);
    expect(held).toBeDefined();
    try {
      const call = await dial('202', '486');
      expect(call.successful, describeRun(call)).toBe(1);
    } finally {
      await held?.release();
    }
    const [cdr] = await cdrsFor('202');
    expect(cdr).toMatchObject({ direction: 'extension', disposition: 'refused-channel-limit', sipStatus: 486, talkSeconds: 0 });
  }, 30_000);

  it('a failed digest authentication is not a call and leaves no CDR', async () => {
    const guess = await dial('0201112222', '407', 'not-the-password');
    expect(guess.successful, describeRun(guess)).toBe(1);
    // The same number dialled with the right password afterwards: the only CDR for it.
    const call = await dial('0201112222', '503');
    expect(call.successful, describeRun(call)).toBe(1);
    const cdrs = await cdrsFor('+31201112222');
    expect(cdrs.map((c) => c.sipStatus)).toEqual([503]);
  }, 30_000);
});
